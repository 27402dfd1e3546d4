import CFSync
print("cfsync")
