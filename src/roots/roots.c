// SPDX-License-Identifier: MIT
/*
 * `bootherd roots`: the commands over the base directory of diskless root images. The text
 * (fstab, exports) comes from the pure generators in gen.c; this file does the file system
 * work, and does it so that nothing leaves the base: names are checked with roots_name_ok(),
 * every file inside an image is opened with cache_openat_beneath(), every path given to an
 * external tool (rsync, cp, rm) is checked to be a real directory (not a symlink) whose
 * realpath is the one we built, and nothing is deleted without --force.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/cache.h"
#include "roots/roots.h"

#define ROOTS_DEFAULT_BASE      "/srv/diskless"
#define ROOTS_DEFAULT_OPTS      "vers=3"
#define ROOTS_DEFAULT_EXPORTS   "/etc/exports.d/bootherd.exports"
#define ROOTS_DEFAULT_GANESHA   "/etc/ganesha/bootherd.conf"
#define ROOTS_DEFAULT_PIDFILE   "/run/ganesha/ganesha.pid"
#define ROOTS_MARKER            ".bootherd-prepared"
#define ROOTS_LOCK_WAIT_MS      10000
/* Files we read whole (fstab, exports); anything bigger is surely not one. */
#define ROOTS_MAX_FILE          (16u << 20)

/* The excludes of the seed's rsync: what a running system mounts or makes at boot. */
static const char *const roots_excludes[] = {
	"--exclude=/dev/*", "--exclude=/proc/*", "--exclude=/sys/*", "--exclude=/tmp/*",
	"--exclude=/run/*", "--exclude=/mnt/*", "--exclude=/media/*", "--exclude=/lost+found",
};

#define NR_EXCLUDES (sizeof(roots_excludes) / sizeof(roots_excludes[0]))

struct roots_ctx {
	const struct conf *c;
	char base[PATH_MAX];    /* as configured, no trailing '/': what exports and root= name */
	char real[PATH_MAX];    /* its realpath: what tools are given */
	int base_fd;
	int lock_fd;
};

/* A growable, NULL-terminated list of owned strings. */
struct strv {
	char **v;
	size_t n, cap;
};

static void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	*s = (struct strv){ 0 };
}

static int strv_push(struct strv *s, const char *str)
{
	if (s->n + 1 >= s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 8;
		char **v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n] = strdup(str);
	if (!s->v[s->n])
		return -ENOMEM;
	s->v[++s->n] = NULL;
	return 0;
}

static bool strv_has(const struct strv *s, const char *str)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], str))
			return true;
	return false;
}

static int strv_add_unique(struct strv *s, const char *str)
{
	return strv_has(s, str) ? 0 : strv_push(s, str);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void strv_sort(struct strv *s)
{
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), cmp_str);
}

static void err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warn_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void err_msg(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("bootherd roots: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void warn_msg(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("bootherd roots: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* --- configuration */

static const char *opt_nfs(const struct conf *c)
{
	return c->diskless.nfs_options && *c->diskless.nfs_options ? c->diskless.nfs_options :
								      ROOTS_DEFAULT_OPTS;
}

/* The server's address nodes mount from; false: not known (fstab then says /dev/nfs). */
static bool nfs_address(const struct conf *c, char out[static INET_ADDRSTRLEN])
{
	const struct in_addr *a = NULL;

	if (c->diskless.has_address)
		a = &c->diskless.address;
	else if (c->dhcp.has_server_id)
		a = &c->dhcp.server_id;
	else if (c->listen_addr.s_addr != htonl(INADDR_ANY))
		a = &c->listen_addr;
	return a && inet_ntop(AF_INET, a, out, INET_ADDRSTRLEN);
}

/*
 * The kernel NFS server is there when its filesystem is: an empty /proc/fs/nfsd directory
 * (seen on kernels built without it) is not enough.
 */
static bool kernel_nfsd(void)
{
	char line[256];
	bool found = false;
	FILE *f;

	if (access("/proc/fs/nfsd/exports", F_OK) == 0)
		return true;
	f = fopen("/proc/filesystems", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *name = strrchr(line, '\t');

		name = name ? name + 1 : line;
		found = !strcmp(name, "nfsd\n") || !strcmp(name, "nfsd");
	}
	fclose(f);
	return found;
}

static enum conf_nfs_server nfs_server(const struct conf *c)
{
	if (c->diskless.server != CONF_NFS_AUTO)
		return c->diskless.server;
	return kernel_nfsd() ? CONF_NFS_KERNEL : CONF_NFS_GANESHA;
}

static const char *exports_path(const struct conf *c, enum conf_nfs_server s)
{
	if (s == CONF_NFS_KERNEL)
		return c->diskless.exports_file ? c->diskless.exports_file : ROOTS_DEFAULT_EXPORTS;
	return c->diskless.ganesha_file ? c->diskless.ganesha_file : ROOTS_DEFAULT_GANESHA;
}

static const char *node_image(const struct conf *c, const struct conf_node *n)
{
	const struct conf_profile *p = conf_node_profile(c, n);

	return p ? p->image : NULL;
}

static const struct conf_node *node_by_name(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nr_nodes; i++)
		if (!strcmp(c->nodes[i].name, name))
			return &c->nodes[i];
	return NULL;
}

static bool image_booted(const struct conf *c, const char *image)
{
	for (size_t i = 0; i < c->nr_nodes; i++) {
		const char *im = node_image(c, &c->nodes[i]);

		if (im && !strcmp(im, image))
			return true;
	}
	return false;
}

/* --- the base directory and its lock */

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) == -1 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) == -1 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Opens the base (creating it when @create); -ENOENT when it is missing and not created. */
static int ctx_open(struct roots_ctx *x, const struct conf *c, bool create)
{
	const char *base = c->diskless.base ? c->diskless.base : ROOTS_DEFAULT_BASE;
	size_t len = strlen(base);
	int ret;

	*x = (struct roots_ctx){ .c = c, .base_fd = -1, .lock_fd = -1 };
	while (len > 1 && base[len - 1] == '/')
		len--;
	if (base[0] != '/' || len >= sizeof(x->base)) {
		err_msg("diskless.base '%s' is not an absolute path", base);
		return -EINVAL;
	}
	memcpy(x->base, base, len);
	x->base[len] = '\0';
	if (create) {
		ret = mkdir_p(x->base, 0755);
		if (ret) {
			err_msg("cannot create the base %s: %s", x->base, strerror(-ret));
			return ret;
		}
	}
	if (!realpath(x->base, x->real)) {
		ret = -errno;
		if (ret != -ENOENT || create)
			err_msg("%s: %s", x->base, strerror(errno));
		return ret;
	}
	x->base_fd = open(x->real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (x->base_fd == -1) {
		ret = -errno;
		err_msg("%s: %s", x->real, strerror(errno));
		return ret;
	}
	return 0;
}

static void ctx_close(struct roots_ctx *x)
{
	if (x->lock_fd >= 0)
		close(x->lock_fd);      /* drops the flock */
	if (x->base_fd >= 0)
		close(x->base_fd);
	x->lock_fd = x->base_fd = -1;
}

/*
 * flock(2) on BASE/.lock: exclusive for commands that change something, shared for readers.
 * Waits up to 10 s, since a create or overlay may legitimately take a while. A reader that
 * cannot even open the lock (not root) goes on without it: it changes nothing.
 */
static int ctx_lock(struct roots_ctx *x, bool excl)
{
	int fd = openat(x->base_fd, ".lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd == -1 && !excl)
		fd = openat(x->base_fd, ".lock", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		if (!excl)
			return 0;
		err_msg("cannot open the lock %s/.lock: %s", x->base, strerror(errno));
		return -errno;
	}
	for (int waited = 0;; waited += 100) {
		if (flock(fd, (excl ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0)
			break;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			err_msg("flock %s/.lock: %s", x->base, strerror(errno));
			close(fd);
			return -errno;
		}
		if (waited >= ROOTS_LOCK_WAIT_MS) {
			err_msg("another bootherd roots holds the lock %s/.lock; gave up after "
				"%d s", x->base, ROOTS_LOCK_WAIT_MS / 1000);
			close(fd);
			return -EWOULDBLOCK;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
	}
	x->lock_fd = fd;
	return 0;
}

/*
 * The checks every path handed to a tool passes: @rel ("NAME" or ".nodes/NAME/NODE") is a
 * directory beneath the base, reached without a symlink, and its realpath is REAL/@rel; the
 * full path is put in @out. -ENOENT when missing, -ELOOP/-EXDEV when it is not ours.
 */
static int dir_beneath(const struct roots_ctx *x, const char *rel, char out[static PATH_MAX])
{
	char check[PATH_MAX];
	struct stat st;
	int fd, n;

	n = snprintf(out, PATH_MAX, "%s/%s", x->real, rel);
	if (n < 0 || n >= PATH_MAX)
		return -ENAMETOOLONG;
	/* O_NOFOLLOW: the last component may not be a symlink either, even one inside. */
	fd = cache_openat_beneath(x->base_fd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (fd < 0)
		return fd == -ENOTDIR && fstatat(x->base_fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		       S_ISLNK(st.st_mode) ? -ELOOP : fd;
	close(fd);
	if (!realpath(out, check))
		return -errno;
	if (strcmp(check, out))
		return -EXDEV;
	return 0;
}

/* mkdir of one level beneath the base, refusing a symlink in its place. */
static int mkdir_beneath(const struct roots_ctx *x, const char *rel)
{
	char path[PATH_MAX];
	int ret;

	if (mkdirat(x->base_fd, rel, 0755) == -1 && errno != EEXIST)
		return -errno;
	ret = dir_beneath(x, rel, path);
	return ret;
}

/* --- running tools */

/* Runs @argv (no shell) and returns its exit status, or -errno when it could not start. */
static int run(const char *const *argv)
{
	pid_t pid;
	int st;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == -1)
		return -errno;
	if (pid == 0) {
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "bootherd roots: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* rm -rf of a directory beneath the base that dir_beneath() vouched for. */
static int remove_tree(const struct roots_ctx *x, const char *rel)
{
	char path[PATH_MAX];
	int ret = dir_beneath(x, rel, path);

	if (ret)
		return ret;
	/* --one-file-system: a bind mount left inside an image (proc, dev) is never emptied. */
	ret = run((const char *const[]){ "rm", "-rf", "--one-file-system", "--", path, NULL });
	return ret ? -EIO : 0;
}

/* --- files inside an image */

/* Reads @path beneath @dirfd whole; -ENOENT, -ELOOP (a symlink), -EINVAL (not regular). */
static int read_beneath(int dirfd, const char *path, char **buf, size_t *len, struct stat *st)
{
	ssize_t got;
	size_t n = 0;
	char *b;
	int fd, ret = 0;

	fd = cache_openat_beneath(dirfd, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, st) == -1) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(st->st_mode)) {
		ret = -EINVAL;
		goto out;
	}
	if ((uint64_t)st->st_size > ROOTS_MAX_FILE) {
		ret = -EFBIG;
		goto out;
	}
	b = malloc((size_t)st->st_size + 1);
	if (!b) {
		ret = -ENOMEM;
		goto out;
	}
	while (n < (size_t)st->st_size) {
		got = read(fd, b + n, (size_t)st->st_size - n);
		if (got == -1 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
out:
	close(fd);
	return ret;
}

/* Splits "a/b/c" into its directory ("a/b", or "." for none) and last component. */
static const char *split_path(const char *path, char dir[static PATH_MAX])
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		strcpy(dir, ".");
		return path;
	}
	snprintf(dir, PATH_MAX, "%.*s", (int)(slash - path), path);
	return slash + 1;
}

/* Writes all of @buf to @fd. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Replaces @path beneath @rootfd with @buf atomically: a temp file in the same directory, then
 * renameat() over the old one, so a node booting meanwhile sees the old or the new file, never
 * half of one. An existing file's mode and owner are kept; a symlink (or anything not regular)
 * in its place is refused, never written through.
 */
static int write_beneath(int rootfd, const char *path, const char *buf, size_t len)
{
	char dir[PATH_MAX], tmp[NAME_MAX + 1];
	const char *name = split_path(path, dir);
	mode_t mode = 0644;
	bool exists = false;
	struct stat st;
	int dfd, fd, ret;

	dfd = cache_openat_beneath(rootfd, dir, O_RDONLY | O_DIRECTORY, 0);
	if (dfd < 0)
		return dfd;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode)) {
			ret = -ELOOP;
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			ret = -EINVAL;
			goto out;
		}
		exists = true;
		mode = st.st_mode & 07777;
	} else if (errno != ENOENT) {
		ret = -errno;
		goto out;
	}
	snprintf(tmp, sizeof(tmp), ".%.200s.bootherd-%ld", name, (long)getpid());
	fd = cache_openat_beneath(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	ret = write_all(fd, buf, len);
	/* Owner before mode: chown clears set-id bits. Not root: the file stays ours. */
	if (!ret && exists && fchown(fd, st.st_uid, st.st_gid) == -1 && errno != EPERM)
		ret = -errno;
	if (!ret && fchmod(fd, mode) == -1)
		ret = -errno;
	if (!ret && fsync(fd) == -1)
		ret = -errno;
	close(fd);
	if (!ret && renameat(dfd, tmp, dfd, name) == -1)
		ret = -errno;
	if (ret)
		unlinkat(dfd, tmp, 0);
	else
		fsync(dfd);
out:
	close(dfd);
	return ret;
}

/* Removes the regular file @path beneath @rootfd; 0 also when it is not there. */
static int unlink_beneath(int rootfd, const char *path)
{
	char dir[PATH_MAX];
	const char *name = split_path(path, dir);
	int dfd, ret = 0;

	dfd = cache_openat_beneath(rootfd, dir, O_RDONLY | O_DIRECTORY, 0);
	if (dfd < 0)
		return dfd == -ENOENT ? 0 : dfd;
	if (unlinkat(dfd, name, 0) == -1 && errno != ENOENT)
		ret = -errno;
	close(dfd);
	return ret;
}

/* What kind of thing @path beneath @rootfd is: 0 regular, 'd', 'l', other, or -errno. */
static int kind_beneath(int rootfd, const char *path)
{
	char dir[PATH_MAX];
	const char *name = split_path(path, dir);
	struct stat st;
	int dfd, ret;

	dfd = cache_openat_beneath(rootfd, dir, O_RDONLY | O_DIRECTORY, 0);
	if (dfd < 0)
		return dfd;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		ret = -errno;
	else if (S_ISREG(st.st_mode))
		ret = 0;
	else if (S_ISDIR(st.st_mode))
		ret = 'd';
	else if (S_ISLNK(st.st_mode))
		ret = 'l';
	else
		ret = '?';
	close(dfd);
	return ret;
}

/* Writes @len bytes to a new temp file for diff; its name in @name. */
static int tmp_file(const char *buf, size_t len, char name[static 64])
{
	const char *tmpdir = getenv("TMPDIR");
	int fd, ret;

	snprintf(name, 64, "%.40s/bootherd-diff.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	fd = mkstemp(name);
	if (fd == -1)
		return -errno;
	ret = write_all(fd, buf, len);
	close(fd);
	if (ret)
		unlink(name);
	return ret;
}

/* `diff -u` of old and new content, labelled a/PATH b/PATH, on stdout. */
static void show_diff(const char *path, const char *old, size_t old_len, const char *new,
		      size_t new_len)
{
	char a[64], b[64], la[PATH_MAX + 8], lb[PATH_MAX + 8];

	if (tmp_file(old, old_len, a))
		return;
	if (tmp_file(new, new_len, b)) {
		unlink(a);
		return;
	}
	snprintf(la, sizeof(la), "a/%s", path);
	snprintf(lb, sizeof(lb), "b/%s", path);
	run((const char *const[]){ "diff", "-u", "--label", la, "--label", lb, a, b, NULL });
	unlink(a);
	unlink(b);
}

/* --- create */

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: bootherd roots [-c FILE] COMMAND ...\n"
		"\n"
		"Diskless root images under diskless.base (default " ROOTS_DEFAULT_BASE "):\n"
		"  create NAME --from DIR | --rsync SRC   copy a root into BASE/NAME\n"
		"                                         (rsync -aHAXS, the seed's excludes)\n"
		"  list                                   images, size, prepared, nodes, exported\n"
		"  remove NAME --force                    delete an image and its per-node areas\n"
		"  prepare NAME [--dry-run]               make it fit to boot over NFS (fstab,\n"
		"                                         DHCP network, no machine-id, hostname)\n"
		"  overlay NAME --nodes SPEC [--mode state|hardlink|reflink]\n"
		"  overlay NAME --list\n"
		"  overlay NAME --remove --nodes SPEC --force\n"
		"                                         per-node writable areas in\n"
		"                                         BASE/.nodes/NAME/NODE; SPEC: names,\n"
		"                                         globs, @GROUP or all, comma-separated\n"
		"  export [--dry-run] [--no-apply]        write the NFS exports and reload\n"
		"  check                                  the installed exports match the\n"
		"                                         profiles (exit 1 when not)\n"
		"\n"
		"Nothing is deleted without --force. Exit status: 0 ok, 1 failure, 2 usage.\n");
}

/* The one NAME operand of a subcommand, checked; NULL after saying why (a usage error). */
static const char *image_operand(int argc, char **argv, const char *usage)
{
	const char *name;

	if (optind + 1 != argc) {
		err_msg("usage: %s", usage);
		return NULL;
	}
	name = argv[optind];
	if (!roots_name_ok(name)) {
		err_msg("'%s' is not a valid image name", name);
		return NULL;
	}
	return name;
}

/* Opens the base for a command on image @name; a missing base is named in the message. */
static int open_base(struct roots_ctx *x, const struct conf *c, const char *name)
{
	int ret = ctx_open(x, c, false);

	if (ret == -ENOENT)
		err_msg("no image %s: %s does not exist", name, x->base);
	return ret;
}

static int cmd_create(int argc, char **argv, const struct conf *c)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "rsync", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *from = NULL, *src = NULL, *name;
	const char *argvx[8 + NR_EXCLUDES + 4];
	char srcbuf[PATH_MAX + 2], tmprel[NAME_MAX + 1], tmp[PATH_MAX], fromreal[PATH_MAX];
	char excl_base[PATH_MAX + 16];
	struct roots_ctx x;
	struct stat st;
	size_t k = 0;
	int opt, ret, status = 1;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			from = optarg;
			break;
		case 'r':
			src = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc || !from == !src) {
		err_msg("usage: create NAME --from DIR | --rsync SRC");
		return 2;
	}
	name = argv[optind];
	if (!roots_name_ok(name)) {
		err_msg("'%s' is not a valid image name ([A-Za-z0-9][A-Za-z0-9._-]{0,63})", name);
		return 2;
	}
	if (ctx_open(&x, c, true) || ctx_lock(&x, true))
		goto out;
	if (fstatat(x.base_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		err_msg("%s/%s exists already; remove it first (remove %s --force)", x.base, name,
			name);
		goto out;
	}
	excl_base[0] = '\0';
	if (from) {
		size_t flen;

		if (!realpath(from, fromreal)) {
			err_msg("--from %s: %s", from, strerror(errno));
			goto out;
		}
		if (stat(fromreal, &st) == -1 || !S_ISDIR(st.st_mode)) {
			err_msg("--from %s: not a directory", from);
			goto out;
		}
		flen = strlen(fromreal);
		if (!strcmp(fromreal, x.real)) {
			err_msg("--from %s is the base directory itself", from);
			goto out;
		}
		/* Copying a tree that holds the base must not copy the base into itself. */
		if (!strcmp(fromreal, "/") || (!strncmp(x.real, fromreal, flen) &&
					      x.real[flen] == '/'))
			snprintf(excl_base, sizeof(excl_base), "--exclude=/%s",
				 x.real + (strcmp(fromreal, "/") ? flen + 1 : 1));
		snprintf(srcbuf, sizeof(srcbuf), "%s%s", fromreal, flen > 1 ? "/" : "");
	} else {
		size_t slen = strlen(src);

		if (!slen || slen > PATH_MAX - 2) {
			err_msg("--rsync: bad source '%s'", src);
			goto out;
		}
		/* "host:/" and "host:/srv/root/" alike: the contents, not the directory. */
		snprintf(srcbuf, sizeof(srcbuf), "%s%s", src, src[slen - 1] == '/' ? "" : "/");
	}
	snprintf(tmprel, sizeof(tmprel), ".create-%s.%ld", name, (long)getpid());
	if (mkdirat(x.base_fd, tmprel, 0755) == -1) {
		err_msg("mkdir %s/%s: %s", x.base, tmprel, strerror(errno));
		goto out;
	}
	ret = dir_beneath(&x, tmprel, tmp);
	if (ret) {
		err_msg("%s/%s: %s", x.base, tmprel, strerror(-ret));
		goto out;
	}
	argvx[k++] = "rsync";
	/* --numeric-ids: an image's owners are its own, not the names this host maps them to. */
	argvx[k++] = "-aHAXS";
	argvx[k++] = "--numeric-ids";
	for (size_t i = 0; i < NR_EXCLUDES; i++)
		argvx[k++] = roots_excludes[i];
	if (excl_base[0])
		argvx[k++] = excl_base;
	argvx[k++] = "--";
	argvx[k++] = srcbuf;
	argvx[k++] = tmp;
	argvx[k] = NULL;
	printf("copying %s into %s/%s ...\n", srcbuf, x.base, name);
	ret = run(argvx);
	if (ret) {
		err_msg("rsync failed (%s %d); %s/%s not created", ret < 0 ? "error" : "exit",
			ret, x.base, name);
		if (remove_tree(&x, tmprel))
			err_msg("could not remove the partial copy %s", tmp);
		goto out;
	}
	/* Only a complete copy gets the name: a failed create leaves no half image behind. */
	if (renameat(x.base_fd, tmprel, x.base_fd, name) == -1) {
		err_msg("rename %s -> %s/%s: %s", tmp, x.base, name, strerror(errno));
		remove_tree(&x, tmprel);
		goto out;
	}
	printf("created %s/%s; next: bootherd roots prepare %s\n", x.base, name, name);
	status = 0;
out:
	ctx_close(&x);
	return status;
}

/* --- installed exports, parsed back */

struct inst_export {
	char *path;
	struct strv clients;
	bool rw;
};

struct inst {
	struct inst_export *e;
	size_t n;
	bool missing;   /* no file */
};

static void inst_free(struct inst *in)
{
	for (size_t i = 0; i < in->n; i++) {
		free(in->e[i].path);
		strv_free(&in->e[i].clients);
	}
	free(in->e);
	*in = (struct inst){ 0 };
}

static struct inst_export *inst_add(struct inst *in, const char *path, size_t len)
{
	struct inst_export *e = realloc(in->e, (in->n + 1) * sizeof(*e));

	if (!e)
		return NULL;
	in->e = e;
	e = &in->e[in->n];
	*e = (struct inst_export){ .path = strndup(path, len) };
	if (!e->path)
		return NULL;
	in->n++;
	return e;
}

static const struct inst_export *inst_find(const struct inst *in, const char *path)
{
	for (size_t i = 0; i < in->n; i++)
		if (!strcmp(in->e[i].path, path))
			return &in->e[i];
	return NULL;
}

/* exports(5) lines as we write them: "PATH CLIENT(OPTS) ...", comments and blanks skipped. */
static int parse_kernel(struct inst *in, const char *text)
{
	const char *p = text;

	while (*p) {
		const char *eol = strchr(p, '\n'), *q;
		struct inst_export *e;
		size_t n;

		if (!eol)
			eol = p + strlen(p);
		while (p < eol && isspace((unsigned char)*p))
			p++;
		if (p == eol || *p == '#')
			goto next;
		for (q = p; q < eol && !isspace((unsigned char)*q); q++)
			;
		e = inst_add(in, p, (size_t)(q - p));
		if (!e)
			return -ENOMEM;
		for (p = q; p < eol;) {
			char client[256];
			const char *paren;

			while (p < eol && isspace((unsigned char)*p))
				p++;
			for (q = p; q < eol && !isspace((unsigned char)*q); q++)
				;
			if (q == p)
				break;
			paren = memchr(p, '(', (size_t)(q - p));
			n = (size_t)((paren ? paren : q) - p);
			if (paren && memmem(paren, (size_t)(q - paren), "rw", 2))
				e->rw = true;
			if (n && n < sizeof(client) && *p != '-') {
				memcpy(client, p, n);
				client[n] = '\0';
				if (strv_push(&e->clients, client))
					return -ENOMEM;
			}
			p = q;
		}
next:
		p = *eol ? eol + 1 : eol;
	}
	return 0;
}

/*
 * nfs-ganesha blocks, enough to read our own back: EXPORT { Path = ...; CLIENT { Clients =
 * a, b; Access_Type = RO|RW; } }. Tokens: words or quoted strings, and = ; , { }.
 */
static int parse_ganesha(struct inst *in, const char *text)
{
	struct inst_export *cur = NULL;
	char key[64] = "", tok[PATH_MAX];
	const char *p = text;
	bool in_value = false;
	int depth = 0, export_depth = -1;

	while (*p) {
		size_t n = 0;

		if (isspace((unsigned char)*p)) {
			p++;
			continue;
		}
		if (*p == '#') {
			while (*p && *p != '\n')
				p++;
			continue;
		}
		if (*p == '{') {
			depth++;
			in_value = false;
			p++;
			continue;
		}
		if (*p == '}') {
			if (depth == export_depth)
				cur = NULL, export_depth = -1;
			depth--;
			in_value = false;
			p++;
			continue;
		}
		if (*p == ';') {
			in_value = false;
			key[0] = '\0';
			p++;
			continue;
		}
		if (*p == '=') {
			in_value = true;
			p++;
			continue;
		}
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++)
				if (n + 1 < sizeof(tok))
					tok[n++] = *p;
			if (*p)
				p++;
		} else {
			for (; *p && !isspace((unsigned char)*p) && !strchr("{}=;,\"#", *p); p++)
				if (n + 1 < sizeof(tok))
					tok[n++] = *p;
		}
		tok[n] = '\0';
		if (!in_value) {
			/* A block name or a key. */
			snprintf(key, sizeof(key), "%.63s", tok);
			if (!strcasecmp(tok, "EXPORT") && !cur) {
				cur = inst_add(in, "", 0);
				if (!cur)
					return -ENOMEM;
				export_depth = depth + 1;
			}
			continue;
		}
		if (!cur)
			continue;
		if (!strcasecmp(key, "Path")) {
			free(cur->path);
			cur->path = strdup(tok);
			if (!cur->path)
				return -ENOMEM;
		} else if (!strcasecmp(key, "Clients")) {
			if (strv_push(&cur->clients, tok))
				return -ENOMEM;
		} else if (!strcasecmp(key, "Access_Type") && depth > export_depth &&
			   !strcasecmp(tok, "RW")) {
			cur->rw = true;
		}
	}
	return 0;
}

/* Reads an ordinary file (outside any image) whole; -ENOENT when missing. */
static int read_plain(const char *path, char **buf, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *b = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), ret = 0;

	if (fd == -1)
		return -errno;
	for (;;) {
		ssize_t got;

		if (!b || n + 1 >= cap) {
			char *nb;

			if (b)
				cap *= 2;
			if (cap > ROOTS_MAX_FILE) {
				ret = -EFBIG;
				break;
			}
			nb = realloc(b, cap);
			if (!nb) {
				ret = -ENOMEM;
				break;
			}
			b = nb;
		}
		got = read(fd, b + n, cap - n - 1);
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1) {
			ret = -errno;
			break;
		}
		if (!got)
			break;
		n += (size_t)got;
	}
	close(fd);
	if (ret) {
		free(b);
		return ret;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

static int inst_load(const struct conf *c, enum conf_nfs_server s, struct inst *in)
{
	const char *path = exports_path(c, s);
	char *text;
	size_t len;
	int ret;

	*in = (struct inst){ 0 };
	ret = read_plain(path, &text, &len);
	if (ret == -ENOENT) {
		in->missing = true;
		return 0;
	}
	if (ret) {
		err_msg("%s: %s", path, strerror(-ret));
		return ret;
	}
	ret = s == CONF_NFS_KERNEL ? parse_kernel(in, text) : parse_ganesha(in, text);
	free(text);
	return ret;
}

/* --- list */

static uint64_t du_bytes;

static int du_add(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	du_bytes += (uint64_t)st->st_blocks * 512;
	return 0;
}

/* Subdirectories of @rel beneath the base whose names are valid names, sorted. */
static int list_dirs(const struct roots_ctx *x, const char *rel, struct strv *out)
{
	struct dirent *d;
	DIR *dir;
	int fd, ret = 0;

	fd = cache_openat_beneath(x->base_fd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -errno;
	}
	while ((d = readdir(dir))) {
		struct stat st;

		if (!roots_name_ok(d->d_name))
			continue;
		if (fstatat(dirfd(dir), d->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISDIR(st.st_mode))
			continue;
		ret = strv_push(out, d->d_name);
		if (ret)
			break;
	}
	closedir(dir);
	strv_sort(out);
	return ret;
}

static int cmd_list(int argc, char **argv, const struct conf *c)
{
	enum conf_nfs_server s = nfs_server(c);
	struct strv images = { 0 };
	struct inst in = { 0 };
	struct roots_ctx x;
	int ret, status = 1;

	if (argc > 1) {
		err_msg("usage: list");
		return 2;
	}
	ret = ctx_open(&x, c, false);
	if (ret == -ENOENT) {
		printf("no images: %s does not exist\n", x.base);
		return 0;
	}
	if (ret || ctx_lock(&x, false) || list_dirs(&x, ".", &images) || inst_load(c, s, &in))
		goto out;
	if (!images.n) {
		printf("no images under %s\n", x.base);
		status = 0;
		goto out;
	}
	printf("%-24s %10s  %-8s  %-8s  %s\n", "NAME", "SIZE(MiB)", "PREPARED", "EXPORTED",
	       "NODE AREAS");
	for (size_t i = 0; i < images.n; i++) {
		const char *name = images.v[i];
		char path[PATH_MAX], rel[PATH_MAX], exp[PATH_MAX + NAME_MAX + 2], marker[PATH_MAX];
		struct strv areas = { 0 };

		if (dir_beneath(&x, name, path))
			continue;
		du_bytes = 0;
		/* FTW_PHYS | FTW_MOUNT: like du -x; symlinks are not followed out. */
		nftw(path, du_add, 32, FTW_PHYS | FTW_MOUNT);
		snprintf(marker, sizeof(marker), "%s/%s", name, ROOTS_MARKER);
		snprintf(rel, sizeof(rel), ".nodes/%s", name);
		snprintf(exp, sizeof(exp), "%s/%s", x.base, name);
		list_dirs(&x, rel, &areas);
		printf("%-24s %10llu  %-8s  %-8s  ", name,
		       (unsigned long long)((du_bytes + (1 << 20) - 1) >> 20),
		       kind_beneath(x.base_fd, marker) == 0 ? "yes" : "no",
		       inst_find(&in, exp) ? "yes" : "no");
		for (size_t k = 0; k < areas.n; k++)
			printf("%s%s", k ? "," : "", areas.v[k]);
		printf("%s\n", areas.n ? "" : "-");
		strv_free(&areas);
	}
	status = 0;
out:
	inst_free(&in);
	strv_free(&images);
	ctx_close(&x);
	return status;
}

/* --- remove */

static int cmd_remove(int argc, char **argv, const struct conf *c)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ 0 },
	};
	struct strv areas = { 0 };
	char path[PATH_MAX], rel[PATH_MAX];
	const char *name;
	bool force = false;
	struct roots_ctx x;
	int opt, ret, status = 1;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
		if (opt != 'f')
			return 2;
		force = true;
	}
	name = image_operand(argc, argv, "remove NAME --force");
	if (!name)
		return 2;
	ret = open_base(&x, c, name);
	if (ret || ctx_lock(&x, force))
		goto out;
	ret = dir_beneath(&x, name, path);
	if (ret) {
		err_msg("%s/%s: %s", x.base, name, ret == -ENOENT ? "no such image" :
			ret == -ELOOP || ret == -EXDEV ? "not a directory of the base (a symlink?)"
						       : strerror(-ret));
		goto out;
	}
	snprintf(rel, sizeof(rel), ".nodes/%s", name);
	list_dirs(&x, rel, &areas);
	if (!force) {
		err_msg("refusing to delete %s/%s%s without --force", x.base, name,
			areas.n ? " and its per-node areas" : "");
		goto out;
	}
	for (size_t i = 0; i < c->nr_profiles; i++)
		if (c->profiles[i].image && !strcmp(c->profiles[i].image, name))
			warn_msg("profile %s still names image %s", c->profiles[i].name,
				 name);
	if (dir_beneath(&x, rel, path) == 0) {
		ret = remove_tree(&x, rel);
		if (ret) {
			err_msg("could not remove %s/%s", x.base, rel);
			goto out;
		}
		printf("removed %zu per-node areas of %s\n", areas.n, name);
	}
	ret = remove_tree(&x, name);
	if (ret) {
		err_msg("could not remove %s/%s", x.base, name);
		goto out;
	}
	printf("removed %s/%s; run bootherd roots export to drop its exports\n", x.base, name);
	status = 0;
out:
	strv_free(&areas);
	ctx_close(&x);
	return status;
}

/* --- prepare */

struct prep {
	int rootfd;
	bool dry_run;
	unsigned changed, failed;
};

static const char *err_text(int ret)
{
	if (ret == -ELOOP)
		return "is a symlink; not written through";
	if (ret == -EXDEV)
		return "leads out of the image; refused";
	if (ret == -EINVAL)
		return "is not a regular file; refused";
	return strerror(-ret);
}

/* Gives @path the content @buf unless it has it already; the diff with --dry-run. */
static void prep_file(struct prep *p, const char *path, const char *buf, size_t len)
{
	char *old = NULL;
	size_t old_len = 0;
	struct stat st;
	int ret = read_beneath(p->rootfd, path, &old, &old_len, &st);

	if (ret && ret != -ENOENT) {
		fprintf(stderr, "bootherd roots: %s %s\n", path, err_text(ret));
		p->failed++;
		return;
	}
	if (!ret && old_len == len && !memcmp(old, buf, len))
		goto out;
	p->changed++;
	if (p->dry_run) {
		show_diff(path, old ? old : "", old_len, buf, len);
		goto out;
	}
	ret = write_beneath(p->rootfd, path, buf, len);
	if (ret) {
		fprintf(stderr, "bootherd roots: %s %s\n", path, err_text(ret));
		p->failed++;
	} else {
		printf("  %s %s\n", old ? "changed" : "created", path);
	}
out:
	free(old);
}

/* Removes @path when it is a regular file (a symlink there is someone's choice: kept). */
static void prep_unlink(struct prep *p, const char *path)
{
	char *old = NULL;
	size_t old_len;
	struct stat st;
	int ret;

	if (kind_beneath(p->rootfd, path) != 0)
		return;
	p->changed++;
	if (p->dry_run) {
		if (read_beneath(p->rootfd, path, &old, &old_len, &st) == 0)
			show_diff(path, old, old_len, "", 0);
		printf("would remove %s\n", path);
		free(old);
		return;
	}
	ret = unlink_beneath(p->rootfd, path);
	if (ret) {
		fprintf(stderr, "bootherd roots: %s: %s\n", path, strerror(-ret));
		p->failed++;
	} else {
		printf("  removed %s\n", path);
	}
}

static const char roots_interfaces[] =
	"# bootherd: the root is on NFS. The initramfs configured the interface by DHCP and it\n"
	"# must stay up, so only the loopback is managed here.\n"
	"auto lo\n"
	"iface lo inet loopback\n";

static const char roots_networkd[] =
	"# bootherd: the root is on NFS; keep the address the initramfs got by DHCP.\n"
	"[Match]\n"
	"Name=*\n"
	"\n"
	"[Network]\n"
	"DHCP=ipv4\n"
	"KeepConfiguration=yes\n";

static const char roots_marker_text[] =
	"Prepared for an NFS root by bootherd roots prepare.\n";

/* fstab through roots_fstab(), sized with a first call. */
static int prep_fstab(struct prep *p, const struct roots_ctx *x, const char *name)
{
	char addr[INET_ADDRSTRLEN], src[PATH_MAX + INET_ADDRSTRLEN + 2];
	char *old = NULL, *buf = NULL;
	size_t old_len = 0, cap = 4096;
	struct stat st;
	ssize_t n;
	int ret;

	ret = read_beneath(p->rootfd, "etc/fstab", &old, &old_len, &st);
	if (ret && ret != -ENOENT) {
		fprintf(stderr, "bootherd roots: etc/fstab %s\n", err_text(ret));
		p->failed++;
		return ret;
	}
	if (nfs_address(x->c, addr))
		snprintf(src, sizeof(src), "%s:%s/%s", addr, x->base, name);
	for (int tries = 0; tries < 2; tries++) {
		free(buf);
		buf = malloc(cap);
		if (!buf) {
			ret = -ENOMEM;
			goto out;
		}
		n = roots_fstab(buf, cap, old ? old : "", old_len,
				nfs_address(x->c, addr) ? src : NULL, opt_nfs(x->c));
		if (n < 0) {
			fprintf(stderr, "bootherd roots: etc/fstab: %s\n",
				n == -EINVAL ? "malformed (a NUL byte?)" : strerror((int)-n));
			p->failed++;
			ret = (int)n;
			goto out;
		}
		if ((size_t)n < cap)
			break;
		cap = (size_t)n + 1;
	}
	prep_file(p, "etc/fstab", buf, (size_t)n);
	ret = 0;
out:
	free(buf);
	free(old);
	return ret;
}

static int cmd_prepare(int argc, char **argv, const struct conf *c)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ 0 },
	};
	struct prep p = { .rootfd = -1 };
	char path[PATH_MAX];
	const char *name;
	struct roots_ctx x;
	int opt, ret, status = 1;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "n", opts, NULL)) != -1) {
		if (opt != 'n')
			return 2;
		p.dry_run = true;
	}
	name = image_operand(argc, argv, "prepare NAME [--dry-run]");
	if (!name)
		return 2;
	ret = open_base(&x, c, name);
	if (ret || ctx_lock(&x, !p.dry_run))
		goto out;
	ret = dir_beneath(&x, name, path);
	if (ret) {
		err_msg("%s/%s: %s", x.base, name, ret == -ENOENT ? "no such image" :
			"not a directory of the base (a symlink?)");
		goto out;
	}
	p.rootfd = cache_openat_beneath(x.base_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (p.rootfd < 0) {
		err_msg("%s: %s", path, strerror(-p.rootfd));
		goto out;
	}
	if (kind_beneath(p.rootfd, "etc") != 'd') {
		err_msg("%s has no etc/ directory: not a root image", path);
		goto out;
	}

	prep_fstab(&p, &x, name);
	if (kind_beneath(p.rootfd, "etc/network/interfaces") >= 0)
		prep_file(&p, "etc/network/interfaces", roots_interfaces,
			  sizeof(roots_interfaces) - 1);
	if (kind_beneath(p.rootfd, "etc/systemd/network") == 'd')
		prep_file(&p, "etc/systemd/network/10-bootherd.network", roots_networkd,
			  sizeof(roots_networkd) - 1);
	/* A NIC renamed to eth1 by a rule made on the seed would never come up on a node. */
	prep_unlink(&p, "etc/udev/rules.d/70-persistent-net.rules");
	/*
	 * Empty (not absent) machine-id: systemd makes a fresh one at each boot on a read-only
	 * root, so nodes sharing the image do not share one id (DHCP DUIDs, journald).
	 */
	prep_file(&p, "etc/machine-id", "", 0);
	prep_unlink(&p, "var/lib/dbus/machine-id");
	/* Empty: the name comes from DHCP (option 12). */
	prep_file(&p, "etc/hostname", "", 0);
	prep_file(&p, ROOTS_MARKER, roots_marker_text, sizeof(roots_marker_text) - 1);

	if (p.failed)
		err_msg("prepare %s: %u files could not be %s", name, p.failed,
			p.dry_run ? "checked" : "changed");
	else if (!p.changed)
		printf("prepare %s: already prepared; nothing changed\n", name);
	else if (p.dry_run)
		printf("prepare %s --dry-run: %u files would change; nothing written\n", name,
		       p.changed);
	else
		printf("prepare %s: %u files changed\n", name, p.changed);
	status = p.failed ? 1 : 0;
out:
	if (p.rootfd >= 0)
		close(p.rootfd);
	ctx_close(&x);
	return status;
}

/* --- overlay */

/*
 * The nodes @spec names: comma-separated names, globs over names, @GROUP, or "all" (every node
 * booting @image). With @allow_unknown (removal), a plain name that is no node any more is
 * kept too, so an area outliving its node can still be removed.
 */
static int spec_nodes(const struct conf *c, const char *image, const char *spec,
		      bool allow_unknown, struct strv *out)
{
	char *dup = strdup(spec), *save = NULL;
	int ret = 0;

	if (!dup)
		return -ENOMEM;
	for (char *it = strtok_r(dup, ",", &save); it && !ret; it = strtok_r(NULL, ",", &save)) {
		size_t before = out->n;

		while (*it == ' ')
			it++;
		if (!strcmp(it, "all")) {
			for (size_t i = 0; i < c->nr_nodes && !ret; i++) {
				const char *im = node_image(c, &c->nodes[i]);

				if (im && !strcmp(im, image))
					ret = strv_add_unique(out, c->nodes[i].name);
			}
			if (out->n == before)
				err_msg("all: no node boots a profile with image %s", image);
		} else if (it[0] == '@') {
			if (!conf_group_by_name(c, it + 1)) {
				err_msg("%s: no such group", it);
				ret = -ENOENT;
				break;
			}
			for (size_t i = 0; i < c->nr_nodes && !ret; i++)
				if (c->nodes[i].group && !strcmp(c->nodes[i].group, it + 1))
					ret = strv_add_unique(out, c->nodes[i].name);
			if (out->n == before)
				err_msg("%s: the group has no nodes", it);
		} else if (strpbrk(it, "*?[")) {
			for (size_t i = 0; i < c->nr_nodes && !ret; i++)
				if (!fnmatch(it, c->nodes[i].name, 0))
					ret = strv_add_unique(out, c->nodes[i].name);
			if (out->n == before) {
				err_msg("'%s' matches no node of the inventory", it);
				ret = -ENOENT;
			}
		} else if (node_by_name(c, it) || (allow_unknown && roots_name_ok(it))) {
			ret = strv_add_unique(out, it);
		} else {
			err_msg("node '%s' is not in the inventory", it);
			ret = -ENOENT;
		}
	}
	free(dup);
	for (size_t i = 0; i < out->n && !ret; i++) {
		if (!roots_name_ok(out->v[i])) {
			err_msg("node name '%s' cannot be a directory name", out->v[i]);
			ret = -EINVAL;
		}
	}
	if (!ret && !out->n)
		ret = -ENOENT;
	return ret;
}

enum ov_mode {
	OV_STATE = 0,
	OV_HARDLINK = 1,
	OV_REFLINK = 2,
};

/* One node's area, made in a temp directory and renamed in place when complete. */
static int overlay_one(const struct roots_ctx *x, const char *image, const char *node,
		       enum ov_mode mode)
{
	char rel[PATH_MAX], tmprel[PATH_MAX], tmp[PATH_MAX * 2 + 2], img[PATH_MAX];
	char src_etc[PATH_MAX + 8], src_var[PATH_MAX + 8];
	const char *argv[12];
	struct stat st;
	size_t k = 0;
	int ret;

	snprintf(rel, sizeof(rel), ".nodes/%s/%s", image, node);
	if (fstatat(x->base_fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		printf("  %s: has an area already (%s/%s); left as it is\n", node, x->base, rel);
		return 0;
	}
	ret = dir_beneath(x, image, img);
	if (ret)
		return ret;
	snprintf(tmprel, sizeof(tmprel), ".nodes/%s/.tmp-%s.%ld", image, node, (long)getpid());
	snprintf(tmp, sizeof(tmp), "%s/%s", x->real, tmprel);
	if (mode == OV_STATE) {
		if (mkdirat(x->base_fd, tmprel, 0755) == -1)
			return -errno;
		ret = dir_beneath(x, tmprel, tmp);
		if (ret)
			return ret;
		argv[k++] = "rsync";
		argv[k++] = "-aHAX";
		argv[k++] = "--numeric-ids";
		argv[k++] = "--";
		snprintf(src_etc, sizeof(src_etc), "%s/etc", img);
		snprintf(src_var, sizeof(src_var), "%s/var", img);
		/* Only real directories of the image: its etc or var as a symlink is not copied. */
		if (kind_beneath(x->base_fd, src_etc + strlen(x->real) + 1) == 'd')
			argv[k++] = src_etc;
		if (kind_beneath(x->base_fd, src_var + strlen(x->real) + 1) == 'd')
			argv[k++] = src_var;
		if (k == 4) {
			err_msg("%s has neither etc/ nor var/", img);
			remove_tree(x, tmprel);
			return -ENOENT;
		}
		argv[k++] = tmp;
	} else {
		/* cp creates the target: it must not exist beforehand. */
		argv[k++] = "cp";
		argv[k++] = mode == OV_HARDLINK ? "-al" : "-a";
		if (mode == OV_REFLINK)
			argv[k++] = "--reflink=always";
		argv[k++] = "--";
		argv[k++] = img;
		argv[k++] = tmp;
	}
	argv[k] = NULL;
	ret = run(argv);
	if (ret) {
		if (mode == OV_REFLINK)
			err_msg("%s: cp --reflink=always failed: the file system of %s probably "
				"does not support reflinks (btrfs, XFS with reflink=1 do); use "
				"--mode state or hardlink", node, x->base);
		else
			err_msg("%s: %s failed (exit %d)", node, argv[0], ret);
		if (fstatat(x->base_fd, tmprel, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    remove_tree(x, tmprel))
			err_msg("could not remove the partial copy %s", tmp);
		return -EIO;
	}
	if (renameat(x->base_fd, tmprel, x->base_fd, rel) == -1) {
		ret = -errno;
		remove_tree(x, tmprel);
		return ret;
	}
	printf("  %s: %s/%s\n", node, x->base, rel);
	return 0;
}

static int cmd_overlay(int argc, char **argv, const struct conf *c)
{
	static const struct option opts[] = {
		{ "nodes", required_argument, NULL, 'n' },
		{ "mode", required_argument, NULL, 'm' },
		{ "list", no_argument, NULL, 'l' },
		{ "remove", no_argument, NULL, 'r' },
		{ "force", no_argument, NULL, 'f' },
		{ 0 },
	};
	const char *spec = NULL, *image;
	bool list = false, remove = false, force = false;
	enum ov_mode mode = OV_STATE;
	struct strv nodes = { 0 }, areas = { 0 };
	char rel[PATH_MAX], path[PATH_MAX];
	struct roots_ctx x = { .base_fd = -1, .lock_fd = -1 };
	int opt, ret, status = 1;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			spec = optarg;
			break;
		case 'm':
			if (!strcmp(optarg, "state")) {
				mode = OV_STATE;
			} else if (!strcmp(optarg, "hardlink")) {
				mode = OV_HARDLINK;
			} else if (!strcmp(optarg, "reflink")) {
				mode = OV_REFLINK;
			} else {
				err_msg("--mode: '%s' is not state, hardlink or reflink", optarg);
				return 2;
			}
			break;
		case 'l':
			list = true;
			break;
		case 'r':
			remove = true;
			break;
		case 'f':
			force = true;
			break;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc || (list && (remove || spec)) || (!list && !spec)) {
		err_msg("usage: overlay NAME --nodes SPEC [--mode state|hardlink|reflink] | "
			"overlay NAME --list | overlay NAME --remove --nodes SPEC --force");
		return 2;
	}
	image = argv[optind];
	if (!roots_name_ok(image)) {
		err_msg("'%s' is not a valid image name", image);
		return 2;
	}
	if (spec && spec_nodes(c, image, spec, remove, &nodes))
		goto out;
	ret = ctx_open(&x, c, false);
	if (ret == -ENOENT)
		err_msg("no image %s: %s does not exist", image, x.base);
	if (ret || ctx_lock(&x, !list))
		goto out;
	snprintf(rel, sizeof(rel), ".nodes/%s", image);
	if (list) {
		if (list_dirs(&x, rel, &areas))
			goto out;
		if (!areas.n)
			printf("%s: no per-node areas\n", image);
		for (size_t i = 0; i < areas.n; i++) {
			const struct conf_node *n = node_by_name(c, areas.v[i]);
			const char *im = n ? node_image(c, n) : NULL;
			char area[PATH_MAX * 2], ip[INET_ADDRSTRLEN] = "-";
			int k;

			snprintf(area, sizeof(area), "%s/%s/usr", rel, areas.v[i]);
			k = kind_beneath(x.base_fd, area);
			if (n && n->has_ip)
				inet_ntop(AF_INET, &n->ip, ip, sizeof(ip));
			printf("%-20s %-15s %-6s %s\n", areas.v[i], ip,
			       k == 'd' ? "root" : "state",
			       !n ? "(not in the inventory)" :
			       !im || strcmp(im, image) ? "(does not boot this image)" : "");
		}
		status = 0;
		goto out;
	}
	if (dir_beneath(&x, image, path)) {
		err_msg("%s/%s: no such image", x.base, image);
		goto out;
	}
	if (remove) {
		unsigned removed = 0;

		if (!force) {
			err_msg("refusing to delete the per-node areas of %s without --force",
				image);
			goto out;
		}
		for (size_t i = 0; i < nodes.n; i++) {
			char nrel[PATH_MAX * 2];

			snprintf(nrel, sizeof(nrel), "%s/%s", rel, nodes.v[i]);
			ret = dir_beneath(&x, nrel, path);
			if (ret == -ENOENT)
				continue;
			if (ret || remove_tree(&x, nrel)) {
				err_msg("could not remove %s/%s", x.base, nrel);
				goto out;
			}
			printf("  removed %s/%s\n", x.base, nrel);
			removed++;
		}
		printf("overlay %s: %u areas removed\n", image, removed);
		status = 0;
		goto out;
	}
	if (mkdir_beneath(&x, ".nodes") || mkdir_beneath(&x, rel)) {
		err_msg("%s/%s: cannot create it, or it is not a directory of the base", x.base,
			rel);
		goto out;
	}
	if (mode == OV_HARDLINK)
		printf("note: hardlinked files share their data with the image: a node that writes "
		       "a file in place (not by rename) changes the image too\n");
	status = 0;
	for (size_t i = 0; i < nodes.n; i++) {
		const struct conf_node *n = node_by_name(c, nodes.v[i]);
		const char *im = n ? node_image(c, n) : NULL;

		if (!im || strcmp(im, image))
			warn_msg("node %s does not boot image %s", nodes.v[i], image);
		if (overlay_one(&x, image, nodes.v[i], mode))
			status = 1;
	}
	if (!status)
		printf("overlay %s: %zu nodes; run bootherd roots export to export them\n", image,
		       nodes.n);
out:
	strv_free(&nodes);
	strv_free(&areas);
	ctx_close(&x);
	return status;
}

/* --- export */

struct plan {
	struct roots_export *e;
	struct strv *clients;   /* per export */
	struct strv paths;
	size_t n;
};

static void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		strv_free(&p->clients[i]);
	free(p->clients);
	free(p->e);
	strv_free(&p->paths);
	*p = (struct plan){ 0 };
}

static int plan_add(struct plan *p, const char *path, bool rw, struct strv *clients)
{
	struct roots_export *e = realloc(p->e, (p->n + 1) * sizeof(*e));
	struct strv *cl;

	if (!e)
		return -ENOMEM;
	p->e = e;
	cl = realloc(p->clients, (p->n + 1) * sizeof(*cl));
	if (!cl)
		return -ENOMEM;
	p->clients = cl;
	if (strv_push(&p->paths, path))
		return -ENOMEM;
	p->clients[p->n] = *clients;    /* the plan owns them now */
	*clients = (struct strv){ 0 };
	p->e[p->n] = (struct roots_export){ .rw = rw, .no_root_squash = rw,
					    .id = (unsigned)p->n + 1 };
	p->n++;
	return 0;
}

static int cmp_ip(const void *a, const void *b)
{
	struct in_addr x, y;

	inet_pton(AF_INET, *(char *const *)a, &x);
	inet_pton(AF_INET, *(char *const *)b, &y);
	return (ntohl(x.s_addr) > ntohl(y.s_addr)) - (ntohl(x.s_addr) < ntohl(y.s_addr));
}

/*
 * What should be exported, from the conf and what is under the base: images that some node
 * boots, read-only to those nodes and diskless.clients; per-node areas rw to their node. Says
 * on stderr what it leaves out and why when @verbose.
 */
static int plan_build(const struct roots_ctx *x, struct plan *p, bool verbose)
{
	const struct conf *c = x->c;
	struct strv images = { 0 };
	int ret;

	*p = (struct plan){ 0 };
	ret = list_dirs(x, ".", &images);
	if (ret)
		goto out;
	for (size_t i = 0; i < c->nr_profiles; i++) {
		const struct conf_profile *pr = &c->profiles[i];

		if (pr->image && !strv_has(&images, pr->image) && verbose)
			warn_msg("profile %s names image %s, which does not exist under %s",
				 pr->name, pr->image, x->base);
	}
	for (size_t i = 0; i < images.n; i++) {
		const char *image = images.v[i];
		struct strv ips = { 0 }, areas = { 0 };
		char path[PATH_MAX + NAME_MAX + 2], rel[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", x->base, image);
		for (size_t k = 0; k < c->nr_nodes; k++) {
			const struct conf_node *n = &c->nodes[k];
			const char *im = node_image(c, n);
			char ip[INET_ADDRSTRLEN];

			if (!im || strcmp(im, image))
				continue;
			if (!n->has_ip) {
				if (verbose)
					warn_msg("node %s boots image %s but has no ip; not "
						 "in its export", n->name, image);
				continue;
			}
			inet_ntop(AF_INET, &n->ip, ip, sizeof(ip));
			ret = strv_add_unique(&ips, ip);
			if (ret)
				goto next;
		}
		if (!image_booted(c, image)) {
			if (verbose)
				printf("image %s: nobody boots it; not exported\n", image);
			goto next;
		}
		if (ips.n)
			qsort(ips.v, ips.n, sizeof(*ips.v), cmp_ip);
		for (size_t k = 0; k < c->diskless.nr_clients && !ret; k++)
			ret = strv_add_unique(&ips, c->diskless.clients[k]);
		if (!ret && !ips.n) {
			if (!c->diskless.export_all) {
				if (verbose)
					warn_msg("image %s: no node booting it has an ip "
						 "and diskless.clients is empty; not exported "
						 "(diskless.export_all allows \"*\")", image);
				goto next;
			}
			ret = strv_push(&ips, "*");
		}
		if (!ret)
			ret = plan_add(p, path, false, &ips);
		if (ret)
			goto next;

		snprintf(rel, sizeof(rel), ".nodes/%s", image);
		ret = list_dirs(x, rel, &areas);
		for (size_t k = 0; k < areas.n && !ret; k++) {
			const struct conf_node *n = node_by_name(c, areas.v[k]);
			const char *im = n ? node_image(c, n) : NULL;
			struct strv one = { 0 };
			char ip[INET_ADDRSTRLEN], apath[PATH_MAX * 2 + NAME_MAX + 2];

			if (!n || !n->has_ip || !im || strcmp(im, image)) {
				if (verbose)
					warn_msg("area %s/%s/%s not exported: %s", x->base,
						 rel, areas.v[k],
						 !n ? "no such node in the inventory" :
						 !n->has_ip ? "the node has no ip" :
						 "the node does not boot this image");
				continue;
			}
			inet_ntop(AF_INET, &n->ip, ip, sizeof(ip));
			snprintf(apath, sizeof(apath), "%s/%s/%s", x->base, rel, areas.v[k]);
			ret = strv_push(&one, ip);
			if (!ret)
				ret = plan_add(p, apath, true, &one);
			strv_free(&one);
		}
next:
		strv_free(&ips);
		strv_free(&areas);
		if (ret)
			goto out;
	}
	for (size_t i = 0; i < p->n; i++) {
		p->e[i].path = p->paths.v[i];
		p->e[i].clients = (const char *const *)p->clients[i].v;
	}
out:
	strv_free(&images);
	if (ret)
		plan_free(p);
	return ret;
}

/* The file's text for @s; NULL (reason said) when the generator refuses an export. */
static char *plan_render(const struct plan *p, enum conf_nfs_server s, size_t *len)
{
	const struct roots_export *bad = NULL;
	size_t cap = 4096;
	char *buf = NULL;

	for (int tries = 0; tries < 2; tries++) {
		ssize_t n;

		free(buf);
		buf = malloc(cap);
		if (!buf)
			return NULL;
		n = s == CONF_NFS_KERNEL ? roots_exports_kernel(buf, cap, p->e, p->n, &bad) :
					   roots_exports_ganesha(buf, cap, p->e, p->n, &bad);
		if (n < 0) {
			err_msg("cannot export %s: %s", bad ? bad->path : "?",
				"a character exports(5) would misread");
			break;
		}
		if ((size_t)n < cap) {
			*len = (size_t)n;
			return buf;
		}
		cap = (size_t)n + 1;
	}
	free(buf);
	return NULL;
}

/* Lines of @a not in @b (as a multiset), each printed with @sign; returns how many. */
static unsigned lines_not_in(const char *a, const char *b, char sign, bool print)
{
	size_t nb = 0;
	unsigned count = 0;
	bool *used;

	for (const char *q = b; *q; q++)
		nb += *q == '\n';
	used = calloc(nb + 2, sizeof(*used));
	if (!used)
		return 0;
	for (const char *p = a; *p;) {
		const char *eol = strchrnul(p, '\n');
		size_t len = (size_t)(eol - p), k = 0;
		bool found = false;

		for (const char *q = b; *q; k++) {
			const char *qe = strchrnul(q, '\n');

			if (!used[k] && (size_t)(qe - q) == len && !memcmp(p, q, len)) {
				used[k] = found = true;
				break;
			}
			q = *qe ? qe + 1 : qe;
		}
		if (!found) {
			count++;
			if (print)
				printf("%c %.*s\n", sign, (int)len, p);
		}
		p = *eol ? eol + 1 : eol;
	}
	free(used);
	return count;
}

/* Atomic replace of an ordinary file: temp in the same directory, then rename(2). */
static int write_file_atomic(const char *path, const char *buf, size_t len)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 32];
	const char *name = split_path(path, dir);
	int fd, ret;

	ret = mkdir_p(dir, 0755);
	if (ret)
		return ret;
	snprintf(tmp, sizeof(tmp), "%s/.%s.bootherd-%ld", dir, name, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd == -1)
		return -errno;
	ret = write_all(fd, buf, len);
	if (!ret && fsync(fd) == -1)
		ret = -errno;
	close(fd);
	if (!ret && rename(tmp, path) == -1)
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

/* Tells the server: exportfs -ra, or SIGHUP to ganesha. */
static int reload(const struct conf *c, enum conf_nfs_server s, const char *file)
{
	const char *pidfile = c->diskless.ganesha_pidfile ? c->diskless.ganesha_pidfile :
							      ROOTS_DEFAULT_PIDFILE;
	char *text = NULL;
	size_t len;
	long pid;
	int ret;

	if (s == CONF_NFS_KERNEL) {
		ret = run((const char *const[]){ "exportfs", "-ra", NULL });
		if (ret) {
			err_msg("exportfs -ra failed (%d); %s is written", ret, file);
			return -EIO;
		}
		printf("exportfs -ra: done\n");
		return 0;
	}
	ret = read_plain(pidfile, &text, &len);
	if (ret) {
		printf("%s written; no ganesha pid file %s: (re)start nfs-ganesha (with %%include "
		       "\"%s\" in its configuration)\n", file, pidfile, file);
		return 0;
	}
	pid = strtol(text, NULL, 10);
	free(text);
	if (pid <= 1 || kill((pid_t)pid, SIGHUP) == -1) {
		err_msg("cannot signal ganesha (pid %ld from %s): %s; restart it", pid, pidfile,
			pid <= 1 ? "bad pid" : strerror(errno));
		return -ESRCH;
	}
	printf("sent SIGHUP to nfs-ganesha (pid %ld)\n", pid);
	return 0;
}

/*
 * ganesha matches an export update by Export_Id and refuses one whose path changed, so a path
 * keeps the id it has in the installed file; new paths get ids above every id in use.
 */
static void keep_export_ids(struct plan *p, const char *old)
{
	unsigned next = 1;

	for (const char *q = old; q && (q = strstr(q, "Export_Id = ")); q++) {
		unsigned id = (unsigned)strtoul(q + 12, NULL, 10);
		const char *path = strstr(q, "Path = \""), *end;

		if (id >= next)
			next = id + 1;
		if (!path || !(end = strchr(path + 8, '"')))
			continue;
		for (size_t i = 0; i < p->n; i++) {
			const char *mine = p->paths.v[i];

			if (strlen(mine) == (size_t)(end - path - 8) &&
			    !memcmp(mine, path + 8, (size_t)(end - path - 8)))
				p->e[i].id = id;
		}
	}
	for (size_t i = 0; i < p->n; i++) {
		bool kept = false;

		/* Ids not found in the old file were numbered by position: renumber them. */
		for (const char *q = old; q && (q = strstr(q, "Path = \"")); q++) {
			const char *end = strchr(q + 8, '"');

			if (end && strlen(p->paths.v[i]) == (size_t)(end - q - 8) &&
			    !memcmp(p->paths.v[i], q + 8, (size_t)(end - q - 8))) {
				kept = true;
				break;
			}
		}
		if (!kept)
			p->e[i].id = next++;
	}
}

static int cmd_export(int argc, char **argv, const struct conf *c)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "no-apply", no_argument, NULL, 'N' },
		{ 0 },
	};
	enum conf_nfs_server s = nfs_server(c);
	const char *file = exports_path(c, s);
	bool dry_run = false, no_apply = false;
	char *text = NULL, *old = NULL;
	struct plan p = { 0 };
	size_t len, old_len = 0;
	struct roots_ctx x;
	unsigned added, removed;
	int opt, ret, status = 1;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'n')
			dry_run = true;
		else if (opt == 'N')
			no_apply = true;
		else
			return 2;
	}
	if (optind != argc) {
		err_msg("usage: export [--dry-run] [--no-apply]");
		return 2;
	}
	ret = ctx_open(&x, c, !dry_run);
	if (ret == -ENOENT)
		err_msg("%s does not exist: no images to export", x.base);
	if (ret || ctx_lock(&x, !dry_run) || plan_build(&x, &p, true))
		goto out;
	ret = read_plain(file, &old, &old_len);
	if (ret && ret != -ENOENT) {
		err_msg("%s: %s", file, strerror(-ret));
		goto out;
	}
	if (s == CONF_NFS_GANESHA)
		keep_export_ids(&p, old);
	text = plan_render(&p, s, &len);
	if (!text)
		goto out;
	printf("%s server: %s (%zu exports)\n", s == CONF_NFS_KERNEL ? "kernel NFS" :
	       "nfs-ganesha", file, p.n);
	if (old && old_len == len && !memcmp(old, text, len)) {
		/* Still applied: an earlier --no-apply or a failed reload may have left the
		 * server behind the file. */
		printf("no change in the file\n");
		status = dry_run || no_apply ? 0 : reload(c, s, file) ? 1 : 0;
		goto out;
	}
	added = lines_not_in(text, old ? old : "", '+', true);
	removed = lines_not_in(old ? old : "", text, '-', true);
	printf("%u lines added, %u removed%s\n", added, removed, dry_run ? " (dry run: nothing "
	       "written)" : "");
	if (dry_run) {
		status = 0;
		goto out;
	}
	ret = write_file_atomic(file, text, len);
	if (ret) {
		err_msg("writing %s: %s", file, strerror(-ret));
		goto out;
	}
	printf("wrote %s\n", file);
	status = no_apply ? 0 : reload(c, s, file) ? 1 : 0;
out:
	free(text);
	free(old);
	plan_free(&p);
	ctx_close(&x);
	return status;
}

/* --- check */

/* Does the exports(5)/ganesha client @client cover address @ip? */
static bool client_covers(const char *client, struct in_addr ip)
{
	char net[INET_ADDRSTRLEN];
	const char *slash = strchr(client, '/');
	struct in_addr a;
	unsigned long len;
	uint32_t mask;

	if (!strcmp(client, "*"))
		return true;
	if (!slash)
		return inet_pton(AF_INET, client, &a) == 1 && a.s_addr == ip.s_addr;
	if ((size_t)(slash - client) >= sizeof(net))
		return false;
	snprintf(net, sizeof(net), "%.*s", (int)(slash - client), client);
	len = strtoul(slash + 1, NULL, 10);
	if (inet_pton(AF_INET, net, &a) != 1 || len > 32)
		return false;
	mask = len ? htonl(~0u << (32 - len)) : 0;
	return (a.s_addr & mask) == (ip.s_addr & mask);
}

static const struct conf_node *node_by_ip_str(const struct conf *c, const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return NULL;
	for (size_t i = 0; i < c->nr_nodes; i++)
		if (c->nodes[i].has_ip && c->nodes[i].ip.s_addr == a.s_addr)
			return &c->nodes[i];
	return NULL;
}

static bool in_diskless_clients(const struct conf *c, const char *client)
{
	for (size_t i = 0; i < c->diskless.nr_clients; i++)
		if (!strcmp(c->diskless.clients[i], client))
			return true;
	return false;
}

static int cmd_check(int argc, char **argv, const struct conf *c)
{
	enum conf_nfs_server s = nfs_server(c);
	const char *file = exports_path(c, s);
	struct strv images = { 0 }, booted = { 0 };
	struct inst in = { 0 };
	struct roots_ctx x;
	unsigned bad = 0, warn = 0;
	int ret, status = 1;

	if (argc > 1) {
		err_msg("usage: check");
		return 2;
	}
	ret = ctx_open(&x, c, false);
	if (ret && ret != -ENOENT)
		goto out;
	if (!ret && (ctx_lock(&x, false) || list_dirs(&x, ".", &images)))
		goto out;
	if (inst_load(c, s, &in))
		goto out;
	if (in.missing)
		printf("%s: no such file (%s server)\n", file, s == CONF_NFS_KERNEL ? "kernel" :
		       "ganesha");

	/* Images the profiles name. */
	for (size_t i = 0; i < c->nr_profiles; i++) {
		const struct conf_profile *pr = &c->profiles[i];

		if (!pr->image)
			continue;
		if (!strv_has(&images, pr->image)) {
			printf("profile %s names image %s, which does not exist under %s\n",
			       pr->name, pr->image, x.base);
			bad++;
		}
		if (strv_add_unique(&booted, pr->image))
			goto out;
	}
	/* Every node booting an image is in its export. */
	for (size_t i = 0; i < c->nr_nodes; i++) {
		const struct conf_node *n = &c->nodes[i];
		const char *im = node_image(c, n);
		const struct inst_export *e;
		char path[PATH_MAX + NAME_MAX + 2];
		bool covered = false;

		if (!im)
			continue;
		snprintf(path, sizeof(path), "%s/%s", x.base, im);
		e = inst_find(&in, path);
		if (!n->has_ip) {
			printf("warning: node %s boots image %s but has no ip\n", n->name, im);
			warn++;
			continue;
		}
		for (size_t k = 0; e && k < e->clients.n && !covered; k++)
			covered = client_covers(e->clients.v[k], n->ip);
		if (!covered) {
			printf("node %s boots image %s but is not in %s's export%s\n", n->name, im,
			       im, e ? "" : " (the image is not exported)");
			bad++;
		}
	}
	/* Every export is one of ours, to nobody else. */
	for (size_t i = 0; i < in.n; i++) {
		const struct inst_export *e = &in.e[i];
		size_t blen = strlen(x.base);
		char image[PATH_MAX], node[PATH_MAX];
		const char *rest;

		if (strncmp(e->path, x.base, blen) || e->path[blen] != '/') {
			printf("%s is exported but is not under %s\n", e->path, x.base);
			bad++;
			continue;
		}
		rest = e->path + blen + 1;
		if (!strncmp(rest, ".nodes/", 7)) {
			const char *im_name = rest + 7, *slash = strchr(im_name, '/');
			const struct conf_node *n;
			const char *im;

			/* Only ".nodes/IMAGE/NODE", both valid names, is one of ours. */
			if (!slash || (size_t)(slash - im_name) >= sizeof(image) ||
			    strlen(slash + 1) >= sizeof(node)) {
				printf("%s is exported but is not a per-node area\n", e->path);
				bad++;
				continue;
			}
			snprintf(image, sizeof(image), "%.*s", (int)(slash - im_name), im_name);
			snprintf(node, sizeof(node), "%s", slash + 1);
			if (!roots_name_ok(image) || !roots_name_ok(node)) {
				printf("%s is exported but is not a per-node area\n", e->path);
				bad++;
				continue;
			}
			if (x.base_fd < 0 || kind_beneath(x.base_fd, rest) != 'd') {
				printf("%s is exported but does not exist\n", e->path);
				bad++;
				continue;
			}
			n = node_by_name(c, node);
			im = n ? node_image(c, n) : NULL;
			if (!n || !im || strcmp(im, image)) {
				printf("%s is exported but %s\n", e->path, !n ?
				       "no such node is in the inventory" :
				       "the node does not boot that image");
				bad++;
				continue;
			}
			for (size_t k = 0; k < e->clients.n; k++) {
				if (n->has_ip && inet_addr(e->clients.v[k]) == n->ip.s_addr &&
				    !strchr(e->clients.v[k], '/'))
					continue;
				printf("%s may mount the area of node %s (%s)\n", e->clients.v[k],
				       node, e->path);
				bad++;
			}
			continue;
		}
		if (!roots_name_ok(rest)) {
			printf("%s is exported but is not an image of %s\n", e->path, x.base);
			bad++;
			continue;
		}
		if (!strv_has(&booted, rest) || !image_booted(c, rest)) {
			printf("image %s is exported but nobody boots it\n", rest);
			bad++;
		}
		if (e->rw) {
			printf("image %s is exported read-write\n", rest);
			bad++;
		}
		for (size_t k = 0; k < e->clients.n; k++) {
			const char *cl = e->clients.v[k];
			const struct conf_node *n = node_by_ip_str(c, cl);
			const char *im = n ? node_image(c, n) : NULL;

			if (in_diskless_clients(c, cl) || (im && !strcmp(im, rest)) ||
			    (!strcmp(cl, "*") && c->diskless.export_all))
				continue;
			if (n)
				printf("%s (node %s) may mount %s but boots no profile with it\n",
				       cl, n->name, rest);
			else
				printf("%s may mount %s but boots no profile with it\n", cl, rest);
			bad++;
		}
	}
	if (bad)
		printf("check: %u problems%s\n", bad, warn ? " (and warnings)" : "");
	else
		printf("check: ok (%zu exports in %s)\n", in.n, file);
	status = bad ? 1 : 0;
out:
	inst_free(&in);
	strv_free(&images);
	strv_free(&booted);
	ctx_close(&x);
	return status;
}

int roots_main(int argc, char **argv, const struct conf *c)
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (!sub) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
		usage(stdout);
		return 0;
	}
	/* Each subcommand parses argv from its own name on (getopt restarted with optind 0). */
	if (!strcmp(sub, "create"))
		return cmd_create(argc - 1, argv + 1, c);
	if (!strcmp(sub, "list"))
		return cmd_list(argc - 1, argv + 1, c);
	if (!strcmp(sub, "remove"))
		return cmd_remove(argc - 1, argv + 1, c);
	if (!strcmp(sub, "prepare"))
		return cmd_prepare(argc - 1, argv + 1, c);
	if (!strcmp(sub, "overlay"))
		return cmd_overlay(argc - 1, argv + 1, c);
	if (!strcmp(sub, "export"))
		return cmd_export(argc - 1, argv + 1, c);
	if (!strcmp(sub, "check"))
		return cmd_check(argc - 1, argv + 1, c);
	err_msg("unknown command '%s' (try bootherd roots --help)", sub);
	return 2;
}
