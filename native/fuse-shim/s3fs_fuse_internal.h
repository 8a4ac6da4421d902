/*
 * Internal to the shim: the session object shared by the session, operation and reply translation units.
 * FUSE_USE_VERSION is pinned here (and only here) so every unit sees the same libfuse API level.
 */
#ifndef S3FS_FUSE_INTERNAL_H
#define S3FS_FUSE_INTERNAL_H

/* 3.12: the first API level with the opaque fuse_loop_config and its setters (max_threads). */
#define FUSE_USE_VERSION 312

#include <fuse_lowlevel.h>

#include "s3fs_fuse.h"

struct s3fs_fuse_session {
    struct fuse_session *se;
    s3fs_dispatch_fn dispatch;
    s3fs_interrupt_fn interrupt;
    void *user;
    char *mountpoint;        /* copy of what was mounted, for s3fs_fuse_session_request_unmount */
    uint32_t max_io;
    uint32_t max_background;
    int32_t readdirplus_always;
    uint64_t init_unique;            /* INIT request id until its reply was written (s3fs_fuse_io.c) */
    int32_t kernel_parallel_dirops;  /* the kernel offered FUSE_PARALLEL_DIROPS */
};

/* Installs the device I/O hooks that fix up the INIT reply (s3fs_fuse_io.c); after mount. 0 or -errno. */
int s3fs_fuse_install_io_hooks(struct s3fs_fuse_session *s);

/* The fixed table of C callbacks (s3fs_fuse_ops.c). */
extern const struct fuse_lowlevel_ops s3fs_fuse_ops;

/* Largest request libfuse 3.x can carry: FUSE_MAX_MAX_PAGES (256) pages of 4 KiB. */
#define S3FS_MAX_IO (256u * 4096u)

#endif
