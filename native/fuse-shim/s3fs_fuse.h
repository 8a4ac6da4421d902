/*
 * s3fs_fuse.h - the stable, blittable ABI between libs3fs_fuse.so and S3Fs.Fuse (C#).
 *
 * Why this exists: libfuse's own ABI is hostile to a managed binding (C bitfields in fuse_file_info,
 * a fuse_lowlevel_ops table whose size changes between versions, versioned and inline-wrapped symbols,
 * a soname change in 3.17). This shim is compiled against the installed headers with a pinned
 * FUSE_USE_VERSION and exposes only the plain structs and functions below. See ../README.md.
 *
 * ABI rules (checked at load time by the managed side, see s3fs_fuse_abi_version/s3fs_fuse_struct_size):
 *  - Only fixed-width integers, doubles and pointers cross the boundary. No bitfields, no enums, no bool.
 *  - Every struct is naturally aligned with explicit padding; the C# mirror uses LayoutKind.Sequential.
 *  - Changing any struct or signature bumps S3FS_FUSE_ABI_VERSION.
 *  - Strings are NUL-terminated UTF-8, owned by the caller, valid only for the duration of the call.
 *
 * Threading: dispatch runs on libfuse worker threads and must return quickly. Every request that takes
 * a reply must be answered exactly once with one s3fs_fuse_reply_* call, from any thread, at any later time.
 */
#ifndef S3FS_FUSE_H
#define S3FS_FUSE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define S3FS_FUSE_API __attribute__((visibility("default")))

/* Bumped on any change to a struct layout or function signature below. */
#define S3FS_FUSE_ABI_VERSION 3

/* Opcodes carried in s3fs_request.opcode. Values are part of the ABI. */
#define S3FS_OP_INIT          1  /* data -> s3fs_init_info; no reply (req is NULL) */
#define S3FS_OP_DESTROY       2  /* no reply (req is NULL) */
#define S3FS_OP_LOOKUP        3  /* ino=parent name */
#define S3FS_OP_FORGET        4  /* ino, size=nlookup; reply_none */
#define S3FS_OP_FORGET_MULTI  5  /* data -> s3fs_forget[size]; reply_none */
#define S3FS_OP_GETATTR       6  /* ino */
#define S3FS_OP_SETATTR       7  /* ino, flags=FUSE_SET_ATTR_* bits, attr, has_fh/fh */
#define S3FS_OP_READLINK      8  /* ino */
#define S3FS_OP_MKNOD         9  /* ino=parent name mode */
#define S3FS_OP_MKDIR        10  /* ino=parent name mode */
#define S3FS_OP_UNLINK       11  /* ino=parent name */
#define S3FS_OP_RMDIR        12  /* ino=parent name */
#define S3FS_OP_SYMLINK      13  /* ino=parent name, name2=link target */
#define S3FS_OP_RENAME       14  /* ino=parent name, ino2=newparent name2=newname, flags=RENAME_* */
#define S3FS_OP_LINK         15  /* ino, ino2=newparent name2=newname */
#define S3FS_OP_OPEN         16  /* ino, flags=open(2) flags */
#define S3FS_OP_READ         17  /* ino fh offset size */
#define S3FS_OP_WRITE        18  /* ino fh offset size data (valid only until dispatch returns) */
#define S3FS_OP_FLUSH        19  /* ino fh */
#define S3FS_OP_RELEASE      20  /* ino fh flags */
#define S3FS_OP_FSYNC        21  /* ino fh flags=datasync */
#define S3FS_OP_OPENDIR      22  /* ino flags */
#define S3FS_OP_READDIR      23  /* ino fh offset size */
#define S3FS_OP_READDIRPLUS  24  /* ino fh offset size */
#define S3FS_OP_RELEASEDIR   25  /* ino fh */
#define S3FS_OP_STATFS       26  /* ino */
#define S3FS_OP_SETXATTR     27  /* ino name data size flags=XATTR_* (data valid only until dispatch returns) */
#define S3FS_OP_GETXATTR     28  /* ino name size (0 = size probe) */
#define S3FS_OP_LISTXATTR    29  /* ino size (0 = size probe) */
#define S3FS_OP_REMOVEXATTR  30  /* ino name */
#define S3FS_OP_CREATE       31  /* ino=parent name mode flags */

/* Selectors for s3fs_fuse_struct_size. */
#define S3FS_STRUCT_REQUEST        1
#define S3FS_STRUCT_ATTR           2
#define S3FS_STRUCT_ENTRY          3
#define S3FS_STRUCT_OPEN_OUT       4
#define S3FS_STRUCT_STATFS         5
#define S3FS_STRUCT_SESSION_CONFIG 6
#define S3FS_STRUCT_LOOP_CONFIG    7
#define S3FS_STRUCT_INIT_INFO      8
#define S3FS_STRUCT_FORGET         9

/* struct stat, reduced to what FUSE sends to the kernel. mode includes the S_IFMT type bits. */
typedef struct s3fs_attr {
    uint64_t ino;
    uint32_t mode;
    uint32_t nlink;
    uint32_t uid;
    uint32_t gid;
    int64_t size;
    int64_t blocks;      /* 512-byte units */
    uint32_t blksize;
    uint32_t padding;
    int64_t atime_sec;
    int64_t atime_nsec;
    int64_t mtime_sec;
    int64_t mtime_nsec;
    int64_t ctime_sec;
    int64_t ctime_nsec;
} s3fs_attr;

/* struct fuse_entry_param. ino 0 means "no entry" (negative lookup cache, or a readdirplus entry without attributes). */
typedef struct s3fs_entry {
    uint64_t ino;
    uint64_t generation;
    s3fs_attr attr;
    double attr_timeout;   /* seconds */
    double entry_timeout;  /* seconds */
} s3fs_entry;

/* The parts of struct fuse_file_info that open/create/opendir replies set (bitfields in libfuse). */
typedef struct s3fs_open_out {
    uint64_t fh;
    uint32_t direct_io;
    uint32_t keep_cache;
    uint32_t nonseekable;
    uint32_t cache_readdir;
} s3fs_open_out;

/* struct statvfs. */
typedef struct s3fs_statfs {
    uint64_t bsize;
    uint64_t frsize;
    uint64_t blocks;
    uint64_t bfree;
    uint64_t bavail;
    uint64_t files;
    uint64_t ffree;
    uint64_t favail;
    uint64_t namemax;
} s3fs_statfs;

/* Same layout as struct fuse_forget_data. */
typedef struct s3fs_forget {
    uint64_t ino;
    uint64_t nlookup;
} s3fs_forget;

/* setattr input: only the members named by the FUSE_SET_ATTR_* bits in s3fs_request.flags are meaningful. */
typedef struct s3fs_setattr_in {
    uint32_t mode;
    uint32_t uid;
    uint32_t gid;
    uint32_t padding;
    int64_t size;
    int64_t atime_sec;
    int64_t atime_nsec;
    int64_t mtime_sec;
    int64_t mtime_nsec;
} s3fs_setattr_in;

/* What the kernel offered and what the shim negotiated at INIT (for logging and tests). */
typedef struct s3fs_init_info {
    uint32_t proto_major;
    uint32_t proto_minor;
    uint32_t capable;       /* FUSE_CAP_* bits the kernel supports */
    uint32_t want;          /* FUSE_CAP_* bits enabled */
    uint32_t max_write;
    uint32_t max_read;
    uint32_t max_readahead;
    uint32_t max_background;
    uint32_t congestion_threshold;
    uint32_t time_gran;
} s3fs_init_info;

/* One request, flattened. Lives on the libfuse worker's stack: valid only until dispatch returns. */
typedef struct s3fs_request {
    uint32_t opcode;
    uint32_t flags;          /* open flags, rename flags, xattr flags, setattr valid bits, datasync */
    void *req;               /* fuse_req_t; NULL for INIT and DESTROY */
    void *user;              /* s3fs_session_config.user */
    uint64_t ino;
    uint64_t ino2;
    uint64_t fh;
    int64_t offset;
    uint64_t size;
    const char *name;
    const char *name2;
    const void *data;
    uint32_t mode;
    uint32_t umask;
    uint32_t uid;
    uint32_t gid;
    int32_t pid;
    uint32_t has_fh;         /* 1 when fh is meaningful (e.g. ftruncate's setattr) */
    s3fs_setattr_in attr;
} s3fs_request;

typedef void (*s3fs_dispatch_fn)(s3fs_request *request);
typedef void (*s3fs_interrupt_fn)(void *user, void *req);
typedef void (*s3fs_log_fn)(int32_t level, const char *message);

/* Session parameters; strings are copied. */
typedef struct s3fs_session_config {
    const char *fsname;          /* shown as the source in /proc/mounts */
    const char *subtype;         /* type becomes fuse.<subtype> */
    int32_t allow_other;
    int32_t default_permissions;
    int32_t read_only;
    int32_t debug;
    int32_t readdirplus_always;  /* 1: every readdir is a readdirplus (no FUSE_CAP_READDIRPLUS_AUTO) */
    uint32_t max_io;             /* max_write = max_read = max_readahead, bytes (<= 1 MiB on libfuse 3.x) */
    uint32_t max_background;     /* 0 = kernel default */
    s3fs_dispatch_fn dispatch;
    s3fs_interrupt_fn interrupt;
    void *user;
} s3fs_session_config;

typedef struct s3fs_loop_config {
    int32_t clone_fd;
    int32_t max_idle_threads;    /* < 0 = libfuse default */
    int32_t max_threads;         /* <= 0 = libfuse default */
    int32_t padding;
} s3fs_loop_config;

typedef struct s3fs_fuse_session s3fs_fuse_session;

/* --- versions and ABI checks --- */
S3FS_FUSE_API int32_t s3fs_fuse_abi_version(void);
S3FS_FUSE_API uint32_t s3fs_fuse_struct_size(int32_t which);
/* Runtime libfuse package version, e.g. "3.14.0". */
S3FS_FUSE_API const char *s3fs_fuse_version(void);
/* Routes libfuse's own log messages (process-wide); NULL restores stderr. */
S3FS_FUSE_API void s3fs_fuse_set_log(s3fs_log_fn log);

/* --- session lifetime: new -> mount -> loop (blocks) -> unmount -> destroy --- */
/* Returns NULL on failure (the reason is logged through the log callback). */
S3FS_FUSE_API s3fs_fuse_session *s3fs_fuse_session_new(const s3fs_session_config *config);
/* 0 on success, -1 on failure (logged). */
S3FS_FUSE_API int32_t s3fs_fuse_session_mount(s3fs_fuse_session *session, const char *mountpoint);
/* Runs the multi-threaded loop until the filesystem is unmounted. Returns 0, -errno or a signal number. */
S3FS_FUSE_API int32_t s3fs_fuse_session_loop(s3fs_fuse_session *session, const s3fs_loop_config *config);
/* Asks the kernel to detach the mount (umount2 MNT_DETACH as root, else fusermount3 -u -z); the loop
   then ends by itself. Safe while the loop runs. Returns 0 or -errno. */
S3FS_FUSE_API int32_t s3fs_fuse_session_request_unmount(s3fs_fuse_session *session);
/* Stores size bytes at offset of inode ino in the kernel's page cache (fuse_lowlevel_notify_store): later
   reads of those pages are served by the kernel without a READ. May block while the kernel holds one of the
   pages locked for a read in flight, so never call it from inside a request before answering it. Returns 0 or
   -errno (-ENOENT: the kernel does not know the inode; -ENODEV: the connection is gone). */
S3FS_FUSE_API int32_t s3fs_fuse_notify_store(s3fs_fuse_session *session, uint64_t ino, uint64_t offset,
                                             const void *buf, uint64_t size);
/* After the loop returned and every request was answered: closes the channel, unmounts if still
   mounted, calls DESTROY and frees the session. */
S3FS_FUSE_API void s3fs_fuse_session_destroy(s3fs_fuse_session *session);

/* --- per request --- */
/* Routes a kernel INTERRUPT for req to config->interrupt until req is answered. Call at most once. */
S3FS_FUSE_API void s3fs_fuse_req_arm_interrupt(void *req);

/* Replies. Each consumes req (it must not be used afterwards) and returns 0 or -errno if the kernel
   did not take the reply (e.g. -ENOENT: the request was interrupted and dropped). */
S3FS_FUSE_API int32_t s3fs_fuse_reply_err(void *req, int32_t err);
S3FS_FUSE_API void s3fs_fuse_reply_none(void *req);
S3FS_FUSE_API int32_t s3fs_fuse_reply_entry(void *req, const s3fs_entry *entry);
S3FS_FUSE_API int32_t s3fs_fuse_reply_create(void *req, const s3fs_entry *entry, const s3fs_open_out *open);
S3FS_FUSE_API int32_t s3fs_fuse_reply_attr(void *req, const s3fs_attr *attr, double attr_timeout);
S3FS_FUSE_API int32_t s3fs_fuse_reply_readlink(void *req, const char *target);
S3FS_FUSE_API int32_t s3fs_fuse_reply_open(void *req, const s3fs_open_out *open);
S3FS_FUSE_API int32_t s3fs_fuse_reply_write(void *req, uint64_t count);
S3FS_FUSE_API int32_t s3fs_fuse_reply_buf(void *req, const void *buf, uint64_t size);
S3FS_FUSE_API int32_t s3fs_fuse_reply_statfs(void *req, const s3fs_statfs *stats);
S3FS_FUSE_API int32_t s3fs_fuse_reply_xattr(void *req, uint64_t size);

/* Directory reply building. Each writes one entry at buf if it fits in bufsize and returns the space the
   entry needs either way (> bufsize means "did not fit, nothing written"). next_offset must be non-zero. */
S3FS_FUSE_API uint64_t s3fs_fuse_add_direntry(void *req, void *buf, uint64_t bufsize, const char *name,
                                              uint64_t ino, uint32_t mode, int64_t next_offset);
S3FS_FUSE_API uint64_t s3fs_fuse_add_direntry_plus(void *req, void *buf, uint64_t bufsize, const char *name,
                                                   const s3fs_entry *entry, int64_t next_offset);

#ifdef __cplusplus
}
#endif

#endif
