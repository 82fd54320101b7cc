"""The content repository as git: syncing the index with it, the updater process, the watcher, webhook deliveries."""
