import CFSyncCore
