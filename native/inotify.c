// inotify for the collector, with the event mask in our hands.
//
// Node's fs.watch asks the kernel for every kind of event, modifications included: a directory
// watch wakes the process once per write of every file in it (~0.1 ms of CPU per wake-up on the
// benchmark machine), which is what a busy trickle cost us. Here the collector watches
// directories for names only (create, delete, rename) and each file it reads for one write at a
// time (IN_MODIFY | IN_ONESHOT on the open descriptor's inode, through /proc/self/fd), armed only
// while the file's reader sleeps without a linger of its own.
//
// One inotify descriptor, polled by libuv on the main loop; every read of it (all queued events)
// is handed to JavaScript as one flat array [wd, mask, cookie, name | null, ...], one call.
#define NAPI_VERSION 8
#include <errno.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>
#include <uv.h>

typedef struct {
  int fd;
  int closed;
  /** Set once libuv let go of the poll handle, and once JavaScript let go of the watcher: freed
   * when both are. */
  int released;
  int finalized;
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_ref resource;
  napi_async_context context;
} Watcher;

#define CHECK(call)                                                  \
  do {                                                               \
    if ((call) != napi_ok) {                                         \
      napi_throw_error(env, "LP_ERR_INOTIFY", "inotify: " #call " failed"); \
      return NULL;                                                   \
    }                                                                \
  } while (0)

static napi_value throw_errno(napi_env env, int err, const char *what, const char *path) {
  char msg[512];
  snprintf(msg, sizeof msg, "%s \"%s\": %s", what, path ? path : "", strerror(err));
  napi_value code, message, error;
  const char *name = err == ENOENT ? "ENOENT" : err == ENOSPC ? "ENOSPC" : err == EACCES ? "EACCES" : err == ENOTDIR ? "ENOTDIR" : err == EMFILE ? "EMFILE" : "EINOTIFY";
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  napi_value errno_value;
  napi_create_int32(env, -err, &errno_value);
  napi_set_named_property(env, error, "errno", errno_value);
  napi_throw(env, error);
  return NULL;
}

static void on_closed(uv_handle_t *handle) {
  Watcher *w = (Watcher *)handle->data;
  w->released = 1;
  if (w->finalized) free(w);
}

/** Stops polling and closes the descriptor; the struct is freed once libuv let go of it. */
static void shut(Watcher *w, int from_finalizer) {
  if (w->closed) return;
  w->closed = 1;
  uv_poll_stop(&w->poll);
  close(w->fd);
  if (!from_finalizer) {
    napi_delete_reference(w->env, w->callback);
    napi_async_destroy(w->env, w->context);
  }
  uv_close((uv_handle_t *)&w->poll, on_closed);
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  Watcher *w = (Watcher *)handle->data;
  if (w->closed) return;
  napi_env env = w->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value list;
  napi_create_array(env, &list);
  uint32_t n = 0;
  char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
  for (;;) {
    ssize_t len = read(w->fd, buf, sizeof buf);
    if (len <= 0) break;
    for (char *p = buf; p < buf + len;) {
      struct inotify_event *e = (struct inotify_event *)p;
      napi_value v;
      napi_create_int32(env, e->wd, &v);
      napi_set_element(env, list, n++, v);
      napi_create_uint32(env, e->mask, &v);
      napi_set_element(env, list, n++, v);
      napi_create_uint32(env, e->cookie, &v);
      napi_set_element(env, list, n++, v);
      if (e->len > 0 && e->name[0] != '\0') napi_create_string_utf8(env, e->name, NAPI_AUTO_LENGTH, &v);
      else napi_get_null(env, &v);
      napi_set_element(env, list, n++, v);
      p += sizeof(struct inotify_event) + e->len;
    }
  }
  if (n > 0) {
    napi_value cb, recv, result;
    napi_get_reference_value(env, w->callback, &cb);
    napi_get_reference_value(env, w->resource, &recv);
    if (napi_make_callback(env, w->context, recv, cb, 1, &list, &result) == napi_pending_exception) {
      napi_value err;
      napi_get_and_clear_last_exception(env, &err);
      napi_fatal_exception(env, err);
    }
  }
  napi_close_handle_scope(env, scope);
}

static void finalize(napi_env env, void *data, void *hint) {
  Watcher *w = (Watcher *)data;
  w->finalized = 1;
  if (!w->closed) shut(w, 1);
  else if (w->released) free(w);
}

static Watcher *unwrap(napi_env env, napi_value value) {
  Watcher *w = NULL;
  if (napi_get_value_external(env, value, (void **)&w) != napi_ok || w == NULL) {
    napi_throw_type_error(env, "LP_ERR_INOTIFY", "inotify: not a watcher");
    return NULL;
  }
  if (w->closed) {
    napi_throw_error(env, "LP_ERR_INOTIFY", "inotify: the watcher is closed");
    return NULL;
  }
  return w;
}

/** open(callback) -> watcher: an inotify descriptor polled on the main loop (not keeping it alive). */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], self;
  CHECK(napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  napi_valuetype type;
  CHECK(napi_typeof(env, argv[0], &type));
  if (argc < 1 || type != napi_function) {
    napi_throw_type_error(env, "LP_ERR_INOTIFY", "inotify: open(callback) needs a function");
    return NULL;
  }
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return throw_errno(env, errno, "inotify_init1", "");
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    close(fd);
    napi_throw_error(env, "LP_ERR_INOTIFY", "inotify: no event loop");
    return NULL;
  }
  Watcher *w = calloc(1, sizeof(Watcher));
  w->fd = fd;
  w->env = env;
  w->poll.data = w;
  if (uv_poll_init(loop, &w->poll, fd) != 0) {
    close(fd);
    free(w);
    napi_throw_error(env, "LP_ERR_INOTIFY", "inotify: uv_poll_init failed");
    return NULL;
  }
  napi_value handle, name;
  CHECK(napi_create_external(env, w, finalize, NULL, &handle));
  CHECK(napi_create_reference(env, argv[0], 1, &w->callback));
  CHECK(napi_create_reference(env, handle, 0, &w->resource));
  CHECK(napi_create_string_utf8(env, "logpipe:inotify", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_async_init(env, NULL, name, &w->context));
  uv_poll_start(&w->poll, UV_READABLE, on_readable);
  uv_unref((uv_handle_t *)&w->poll);
  return handle;
}

/** add(watcher, path, mask) -> wd (the same wd again for an inode watched already; its mask is replaced). */
static napi_value js_add(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Watcher *w = unwrap(env, argv[0]);
  if (!w) return NULL;
  char path[4096];
  size_t len;
  if (napi_get_value_string_utf8(env, argv[1], path, sizeof path, &len) != napi_ok || len >= sizeof path - 1) {
    napi_throw_type_error(env, "LP_ERR_INOTIFY", "inotify: add() needs a path (under 4 KiB)");
    return NULL;
  }
  uint32_t mask;
  CHECK(napi_get_value_uint32(env, argv[2], &mask));
  int wd = inotify_add_watch(w->fd, path, mask);
  if (wd < 0) return throw_errno(env, errno, "inotify_add_watch", path);
  napi_value result;
  CHECK(napi_create_int32(env, wd, &result));
  return result;
}

/** rm(watcher, wd): stops a watch (one that is gone already is not an error). */
static napi_value js_rm(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Watcher *w = unwrap(env, argv[0]);
  if (!w) return NULL;
  int32_t wd;
  CHECK(napi_get_value_int32(env, argv[1], &wd));
  inotify_rm_watch(w->fd, wd);
  return NULL;
}

/** close(watcher): every watch ends with the descriptor. Closing twice is harmless. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Watcher *w = NULL;
  if (napi_get_value_external(env, argv[0], (void **)&w) == napi_ok && w != NULL) shut(w, 0);
  return NULL;
}

static void set_uint(napi_env env, napi_value obj, const char *name, uint32_t value) {
  napi_value v;
  napi_create_uint32(env, value, &v);
  napi_set_named_property(env, obj, name, v);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor fns[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL},
      {"add", NULL, js_add, NULL, NULL, NULL, napi_default, NULL},
      {"rm", NULL, js_rm, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns);
  set_uint(env, exports, "IN_MODIFY", IN_MODIFY);
  set_uint(env, exports, "IN_ATTRIB", IN_ATTRIB);
  set_uint(env, exports, "IN_CREATE", IN_CREATE);
  set_uint(env, exports, "IN_DELETE", IN_DELETE);
  set_uint(env, exports, "IN_DELETE_SELF", IN_DELETE_SELF);
  set_uint(env, exports, "IN_MOVE_SELF", IN_MOVE_SELF);
  set_uint(env, exports, "IN_MOVED_FROM", IN_MOVED_FROM);
  set_uint(env, exports, "IN_MOVED_TO", IN_MOVED_TO);
  set_uint(env, exports, "IN_ONESHOT", IN_ONESHOT);
  set_uint(env, exports, "IN_ONLYDIR", IN_ONLYDIR);
  set_uint(env, exports, "IN_IGNORED", IN_IGNORED);
  set_uint(env, exports, "IN_Q_OVERFLOW", IN_Q_OVERFLOW);
  set_uint(env, exports, "IN_ISDIR", IN_ISDIR);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
