/*
 * Session lifetime (new, mount, loop, unmount request, destroy), version and ABI queries, and routing of
 * libfuse's log messages to the managed logger.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fuse_log.h>
#include <fuse_opt.h>

#include "s3fs_fuse_internal.h"

extern char **environ;

static s3fs_log_fn g_log;

int32_t s3fs_fuse_abi_version(void)
{
    return S3FS_FUSE_ABI_VERSION;
}

uint32_t s3fs_fuse_struct_size(int32_t which)
{
    switch (which) {
    case S3FS_STRUCT_REQUEST: return sizeof(s3fs_request);
    case S3FS_STRUCT_ATTR: return sizeof(s3fs_attr);
    case S3FS_STRUCT_ENTRY: return sizeof(s3fs_entry);
    case S3FS_STRUCT_OPEN_OUT: return sizeof(s3fs_open_out);
    case S3FS_STRUCT_STATFS: return sizeof(s3fs_statfs);
    case S3FS_STRUCT_SESSION_CONFIG: return sizeof(s3fs_session_config);
    case S3FS_STRUCT_LOOP_CONFIG: return sizeof(s3fs_loop_config);
    case S3FS_STRUCT_INIT_INFO: return sizeof(s3fs_init_info);
    case S3FS_STRUCT_FORGET: return sizeof(s3fs_forget);
    default: return 0;
    }
}

const char *s3fs_fuse_version(void)
{
    return fuse_pkgversion();
}

static void forward_log(enum fuse_log_level level, const char *fmt, va_list ap)
{
    char message[1024];
    vsnprintf(message, sizeof(message), fmt, ap);
    size_t n = strlen(message);
    while (n > 0 && message[n - 1] == '\n')
        message[--n] = '\0';
    s3fs_log_fn log = __atomic_load_n(&g_log, __ATOMIC_ACQUIRE);
    if (log != NULL)
        log((int32_t)level, message);
    else
        fprintf(stderr, "%s\n", message);
}

void s3fs_fuse_set_log(s3fs_log_fn log)
{
    __atomic_store_n(&g_log, log, __ATOMIC_RELEASE);
    fuse_set_log_func(log != NULL ? forward_log : NULL);
}

/* Builds "-o fsname=...,subtype=...,max_read=N[,allow_other][,default_permissions][,ro]". */
static char *build_options(const s3fs_session_config *config)
{
    char *opts = NULL;
    size_t fsname_len = strlen("fsname=") + strlen(config->fsname) + 1;
    size_t subtype_len = strlen("subtype=") + strlen(config->subtype) + 1;
    char *fsname = malloc(fsname_len);
    char *subtype = malloc(subtype_len);
    char max_read[32];
    int ok = fsname != NULL && subtype != NULL;
    if (ok) {
        snprintf(fsname, fsname_len, "fsname=%s", config->fsname);
        snprintf(subtype, subtype_len, "subtype=%s", config->subtype);
        snprintf(max_read, sizeof(max_read), "max_read=%u", config->max_io);
        /* _escaped: a comma or backslash inside a value must not split the option list. */
        ok = fuse_opt_add_opt_escaped(&opts, fsname) == 0
             && fuse_opt_add_opt_escaped(&opts, subtype) == 0
             && fuse_opt_add_opt(&opts, max_read) == 0
             && (!config->allow_other || fuse_opt_add_opt(&opts, "allow_other") == 0)
             && (!config->default_permissions || fuse_opt_add_opt(&opts, "default_permissions") == 0)
             && (!config->read_only || fuse_opt_add_opt(&opts, "ro") == 0);
    }
    free(fsname);
    free(subtype);
    if (!ok) {
        free(opts);
        return NULL;
    }
    return opts;
}

s3fs_fuse_session *s3fs_fuse_session_new(const s3fs_session_config *config)
{
    if (config == NULL || config->dispatch == NULL || config->fsname == NULL || config->subtype == NULL
        || config->max_io < 4096 || config->max_io > S3FS_MAX_IO) {
        fuse_log(FUSE_LOG_ERR, "s3fs_fuse: invalid session configuration\n");
        return NULL;
    }
    struct s3fs_fuse_session *s = calloc(1, sizeof(*s));
    char *opts = build_options(config);
    struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
    int ok = s != NULL && opts != NULL
             && fuse_opt_add_arg(&args, "s3cfs") == 0
             && (!config->debug || fuse_opt_add_arg(&args, "-d") == 0)
             && fuse_opt_add_arg(&args, "-o") == 0
             && fuse_opt_add_arg(&args, opts) == 0;
    if (ok) {
        s->dispatch = config->dispatch;
        s->interrupt = config->interrupt;
        s->user = config->user;
        s->max_io = config->max_io;
        s->max_background = config->max_background;
        s->readdirplus_always = config->readdirplus_always;
        s->se = fuse_session_new(&args, &s3fs_fuse_ops, sizeof(s3fs_fuse_ops), s);
        ok = s->se != NULL;
    } else {
        fuse_log(FUSE_LOG_ERR, "s3fs_fuse: out of memory building session arguments\n");
    }
    fuse_opt_free_args(&args);
    free(opts);
    if (!ok) {
        free(s);
        return NULL;
    }
    return s;
}

int32_t s3fs_fuse_session_mount(s3fs_fuse_session *session, const char *mountpoint)
{
    if (session == NULL || mountpoint == NULL)
        return -1;
    char *copy = strdup(mountpoint);
    if (copy == NULL)
        return -1;
    if (fuse_session_mount(session->se, mountpoint) != 0) {
        free(copy);
        return -1;
    }
    session->mountpoint = copy;
    int err = s3fs_fuse_install_io_hooks(session);
    if (err != 0) {
        /* Not fatal: the mount works, lookups in one directory are just serialised by the kernel. */
        fuse_log(FUSE_LOG_WARNING, "s3fs_fuse: device I/O hooks not installed (%d): parallel lookups disabled\n", err);
    }
    return 0;
}

int32_t s3fs_fuse_session_loop(s3fs_fuse_session *session, const s3fs_loop_config *config)
{
    struct fuse_loop_config *cfg = fuse_loop_cfg_create();
    if (cfg == NULL)
        return -ENOMEM;
    fuse_loop_cfg_set_clone_fd(cfg, config->clone_fd ? 1u : 0u);
    if (config->max_idle_threads >= 0)
        fuse_loop_cfg_set_idle_threads(cfg, (unsigned)config->max_idle_threads);
    if (config->max_threads > 0)
        fuse_loop_cfg_set_max_threads(cfg, (unsigned)config->max_threads);
    int res = fuse_session_loop_mt(session->se, cfg);
    fuse_loop_cfg_destroy(cfg);
    return res;
}

int32_t s3fs_fuse_session_request_unmount(s3fs_fuse_session *session)
{
    if (session == NULL || session->mountpoint == NULL)
        return -EINVAL;
    if (geteuid() == 0)
        return umount2(session->mountpoint, MNT_DETACH | UMOUNT_NOFOLLOW) == 0 ? 0 : -errno;

    /* Unprivileged: the setuid helper does it, as libfuse itself does in fuse_session_unmount. */
    char *argv[] = { "fusermount3", "-u", "-z", "-q", "--", session->mountpoint, NULL };
    pid_t pid;
    int err = posix_spawnp(&pid, "fusermount3", NULL, NULL, argv, environ);
    if (err != 0)
        return -err;
    int status;
    while (waitpid(pid, &status, 0) == -1) {
        if (errno != EINTR)
            return -errno;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

int32_t s3fs_fuse_notify_store(s3fs_fuse_session *session, uint64_t ino, uint64_t offset,
                               const void *buf, uint64_t size)
{
    if (session == NULL || session->se == NULL || buf == NULL)
        return -EINVAL;
    struct fuse_bufvec bufv = FUSE_BUFVEC_INIT((size_t)size);
    bufv.buf[0].mem = (void *)buf;
    return fuse_lowlevel_notify_store(session->se, (fuse_ino_t)ino, (off_t)offset, &bufv, 0);
}

void s3fs_fuse_session_destroy(s3fs_fuse_session *session)
{
    if (session == NULL)
        return;
    if (session->mountpoint != NULL)
        fuse_session_unmount(session->se);
    fuse_session_destroy(session->se);
    free(session->mountpoint);
    free(session);
}
