{
  "targets": [
    {
      "target_name": "logpipe_inotify",
      "conditions": [["OS=='linux'", { "sources": ["native/inotify.c"] }]],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
