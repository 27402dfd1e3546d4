public enum CFSyncCoreVersion { public static let string = "0.1.0" }
