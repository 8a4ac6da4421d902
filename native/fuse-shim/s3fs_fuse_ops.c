/*
 * The fixed table of libfuse low-level callbacks. Each one flattens its arguments into an s3fs_request on
 * the stack and forwards it to the single managed dispatch function; the managed side replies (now or
 * later) through s3fs_fuse_reply_*. Nothing here blocks or allocates. One request is answered here instead:
 * getxattr of a name outside user.* (see op_getxattr).
 */
#include <errno.h>
#include <string.h>

#include "s3fs_fuse_internal.h"

static struct s3fs_fuse_session *session_of(fuse_req_t req)
{
    return (struct s3fs_fuse_session *)fuse_req_userdata(req);
}

static void begin(s3fs_request *r, fuse_req_t req, uint32_t opcode, fuse_ino_t ino)
{
    const struct fuse_ctx *ctx = fuse_req_ctx(req);
    memset(r, 0, sizeof(*r));
    r->opcode = opcode;
    r->req = req;
    r->user = session_of(req)->user;
    r->ino = ino;
    r->uid = ctx->uid;
    r->gid = ctx->gid;
    r->pid = ctx->pid;
    r->umask = ctx->umask;
}

static void with_file(s3fs_request *r, const struct fuse_file_info *fi)
{
    if (fi != NULL) {
        r->fh = fi->fh;
        r->has_fh = 1;
    }
}

static void send(fuse_req_t req, s3fs_request *r)
{
    session_of(req)->dispatch(r);
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
    struct s3fs_fuse_session *s = userdata;
    unsigned wanted = FUSE_CAP_ASYNC_READ | FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO
                      | FUSE_CAP_PARALLEL_DIROPS | FUSE_CAP_ATOMIC_O_TRUNC;
    /* Splice would hand us pipe-backed buffers instead of memory; writeback caching would let the kernel own
       file sizes, mtimes and write timing (see README: "Connection settings"). Both stay off. */
    unsigned refused = FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE
                       | FUSE_CAP_WRITEBACK_CACHE;
    /* READDIRPLUS_AUTO makes the kernel use readdirplus only for the first chunk of a directory and after lookups:
       ls -l then reads most entries without attributes and looks each name up afterwards. When attributes cost
       nothing to produce (they come from the listing), every readdir is a readdirplus instead. */
    if (s->readdirplus_always)
        refused |= FUSE_CAP_READDIRPLUS_AUTO;
    conn->want = (conn->want | (wanted & conn->capable)) & ~refused;
    /* libfuse has already capped max_write at its receive buffer (256 pages); never raise it past that. */
    if (s->max_io < conn->max_write)
        conn->max_write = s->max_io;
    conn->max_read = s->max_io;          /* must equal the max_read mount option given to fuse_session_new */
    if (s->max_background > 0) {
        conn->max_background = s->max_background;
        conn->congestion_threshold = s->max_background * 3 / 4;  /* the kernel's own default ratio */
    }

    s3fs_init_info info = {
        .proto_major = conn->proto_major,
        .proto_minor = conn->proto_minor,
        .capable = conn->capable,
        .want = conn->want,
        .max_write = conn->max_write,
        .max_read = conn->max_read,
        .max_readahead = conn->max_readahead,
        .max_background = conn->max_background,
        .congestion_threshold = conn->congestion_threshold,
        .time_gran = conn->time_gran,
    };
    s3fs_request r;
    memset(&r, 0, sizeof(r));
    r.opcode = S3FS_OP_INIT;
    r.user = s->user;
    r.data = &info;
    r.size = sizeof(info);
    s->dispatch(&r);
}

static void op_destroy(void *userdata)
{
    struct s3fs_fuse_session *s = userdata;
    s3fs_request r;
    memset(&r, 0, sizeof(r));
    r.opcode = S3FS_OP_DESTROY;
    r.user = s->user;
    s->dispatch(&r);
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    s3fs_request r;
    begin(&r, req, S3FS_OP_LOOKUP, parent);
    r.name = name;
    send(req, &r);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
    s3fs_request r;
    begin(&r, req, S3FS_OP_FORGET, ino);
    r.size = nlookup;
    send(req, &r);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
    _Static_assert(sizeof(struct fuse_forget_data) == sizeof(s3fs_forget), "s3fs_forget mirrors fuse_forget_data");
    s3fs_request r;
    begin(&r, req, S3FS_OP_FORGET_MULTI, 0);
    r.size = count;
    r.data = forgets;
    send(req, &r);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    s3fs_request r;
    begin(&r, req, S3FS_OP_GETATTR, ino);
    with_file(&r, fi);
    send(req, &r);
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set, struct fuse_file_info *fi)
{
    s3fs_request r;
    begin(&r, req, S3FS_OP_SETATTR, ino);
    with_file(&r, fi);
    r.flags = (uint32_t)to_set;
    r.attr.mode = attr->st_mode;
    r.attr.uid = attr->st_uid;
    r.attr.gid = attr->st_gid;
    r.attr.size = attr->st_size;
    r.attr.atime_sec = attr->st_atim.tv_sec;
    r.attr.atime_nsec = attr->st_atim.tv_nsec;
    r.attr.mtime_sec = attr->st_mtim.tv_sec;
    r.attr.mtime_nsec = attr->st_mtim.tv_nsec;
    send(req, &r);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
    s3fs_request r;
    begin(&r, req, S3FS_OP_READLINK, ino);
    send(req, &r);
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
    (void)rdev;
    s3fs_request r;
    begin(&r, req, S3FS_OP_MKNOD, parent);
    r.name = name;
    r.mode = mode;
    send(req, &r);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
    s3fs_request r;
    begin(&r, req, S3FS_OP_MKDIR, parent);
    r.name = name;
    r.mode = mode;
    send(req, &r);
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    s3fs_request r;
    begin(&r, req, S3FS_OP_UNLINK, parent);
    r.name = name;
    send(req, &r);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    s3fs_request r;
    begin(&r, req, S3FS_OP_RMDIR, parent);
    r.name = name;
    send(req, &r);
}

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
    s3fs_request r;
    begin(&r, req, S3FS_OP_SYMLINK, parent);
    r.name = name;
    r.name2 = link;
    send(req, &r);
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
                      const char *newname, unsigned int flags)
{
    s3fs_request r;
    begin(&r, req, S3FS_OP_RENAME, parent);
    r.name = name;
    r.ino2 = newparent;
    r.name2 = newname;
    r.flags = flags;
    send(req, &r);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
    s3fs_request r;
    begin(&r, req, S3FS_OP_LINK, ino);
    r.ino2 = newparent;
    r.name2 = newname;
    send(req, &r);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    s3fs_request r;
    begin(&r, req, S3FS_OP_OPEN, ino);
    r.flags = (uint32_t)fi->flags;
    send(req, &r);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
    s3fs_request r;
    begin(&r, req, S3FS_OP_READ, ino);
    with_file(&r, fi);
    r.size = size;
    r.offset = off;
    send(req, &r);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
                     struct fuse_file_info *fi)
{
    s3fs_request r;
    begin(&r, req, S3FS_OP_WRITE, ino);
    with_file(&r, fi);
    r.size = size;
    r.offset = off;
    r.data = buf;   /* owned by the libfuse worker: the managed side copies it before dispatch returns */
    send(req, &r);
}

static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    s3fs_request r;
    begin(&r, req, S3FS_OP_FLUSH, ino);
    with_file(&r, fi);
    send(req, &r);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    s3fs_request r;
    begin(&r, req, S3FS_OP_RELEASE, ino);
    with_file(&r, fi);
    r.flags = (uint32_t)fi->flags;
    send(req, &r);
}

static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
    s3fs_request r;
    begin(&r, req, S3FS_OP_FSYNC, ino);
    with_file(&r, fi);
    r.flags = datasync ? 1u : 0u;
    send(req, &r);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    s3fs_request r;
    begin(&r, req, S3FS_OP_OPENDIR, ino);
    r.flags = (uint32_t)fi->flags;
    send(req, &r);
}

static void readdir_common(fuse_req_t req, uint32_t opcode, fuse_ino_t ino, size_t size, off_t off,
                           struct fuse_file_info *fi)
{
    s3fs_request r;
    begin(&r, req, opcode, ino);
    with_file(&r, fi);
    r.size = size;
    r.offset = off;
    send(req, &r);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
    readdir_common(req, S3FS_OP_READDIR, ino, size, off, fi);
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
    readdir_common(req, S3FS_OP_READDIRPLUS, ino, size, off, fi);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    s3fs_request r;
    begin(&r, req, S3FS_OP_RELEASEDIR, ino);
    with_file(&r, fi);
    send(req, &r);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
    s3fs_request r;
    begin(&r, req, S3FS_OP_STATFS, ino);
    send(req, &r);
}

static void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value, size_t size,
                        int flags)
{
    s3fs_request r;
    begin(&r, req, S3FS_OP_SETXATTR, ino);
    r.name = name;
    r.data = value;   /* owned by the libfuse worker: copied by the managed side before dispatch returns */
    r.size = size;
    r.flags = (uint32_t)flags;
    send(req, &r);
}

static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
    /* Only user.* attributes are ever stored, and setxattr refuses every other namespace with EOPNOTSUPP:
     * getxattr says the same, here, without a trip into managed code. EOPNOTSUPP rather than ENODATA matters:
     * ls -l asks every name for security.selinux and system.posix_acl_access, and stops asking for the rest of
     * the filesystem after the first "not supported" (coreutils caches it per st_dev), so a directory of 10,000
     * names costs two of these requests instead of 20,000. (ENOSYS would instead make the kernel drop getxattr
     * for the whole mount, user.* included.) */
    if (strncmp(name, "user.", 5) != 0) {
        fuse_reply_err(req, EOPNOTSUPP);
        return;
    }

    s3fs_request r;
    begin(&r, req, S3FS_OP_GETXATTR, ino);
    r.name = name;
    r.size = size;
    send(req, &r);
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
    s3fs_request r;
    begin(&r, req, S3FS_OP_LISTXATTR, ino);
    r.size = size;
    send(req, &r);
}

static void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
    s3fs_request r;
    begin(&r, req, S3FS_OP_REMOVEXATTR, ino);
    r.name = name;
    send(req, &r);
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, struct fuse_file_info *fi)
{
    s3fs_request r;
    begin(&r, req, S3FS_OP_CREATE, parent);
    r.name = name;
    r.mode = mode;
    r.flags = (uint32_t)fi->flags;
    send(req, &r);
}

/* Unset members (access, locks, ioctl, fallocate, copy_file_range, lseek, ...) make libfuse answer ENOSYS;
   the kernel then falls back to its own behaviour (local locks, generic copy) or reports EOPNOTSUPP. */
const struct fuse_lowlevel_ops s3fs_fuse_ops = {
    .init = op_init,
    .destroy = op_destroy,
    .lookup = op_lookup,
    .forget = op_forget,
    .forget_multi = op_forget_multi,
    .getattr = op_getattr,
    .setattr = op_setattr,
    .readlink = op_readlink,
    .mknod = op_mknod,
    .mkdir = op_mkdir,
    .unlink = op_unlink,
    .rmdir = op_rmdir,
    .symlink = op_symlink,
    .rename = op_rename,
    .link = op_link,
    .open = op_open,
    .read = op_read,
    .write = op_write,
    .flush = op_flush,
    .release = op_release,
    .fsync = op_fsync,
    .opendir = op_opendir,
    .readdir = op_readdir,
    .readdirplus = op_readdirplus,
    .releasedir = op_releasedir,
    .statfs = op_statfs,
    .setxattr = op_setxattr,
    .getxattr = op_getxattr,
    .listxattr = op_listxattr,
    .removexattr = op_removexattr,
    .create = op_create,
};
