// SPDX-License-Identifier: MIT
/*
 * `bootherd roots` (src/roots/roots.c) driven through roots_main() on a temp base directory
 * with a conf from YAML: create from a small tree (whose symlink out of it is copied as a
 * symlink, never followed), list, prepare (fstab, idempotence, --dry-run writes nothing, no
 * write through a symlink), per-node areas (state, hardlink), exports for the kernel server
 * (exact text) and ganesha (read back by check), check's findings, remove with and without
 * --force, and names that would leave the base. Also the ${root} and root= an image: gives
 * in the boot configs (src/svc/bootgen.c). Runs real rsync, cp, diff and rm.
 */
#include "roots/roots.c"

#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

#include "check.h"
#include "core/template.h"
#include "svc/bootgen.h"
#include "svc/server.h"

/* Short enough that every path built from them fits PATH_MAX. */
static char tdir[256];
static char base[sizeof(tdir) + 8];
static char out[1 << 16];       /* stdout and stderr of the last run */

static const char yaml_fmt[] =
	"listen: 10.0.0.1\n"
	"diskless:\n"
	"  base: %s/base\n"
	"  server: %s\n"
	"  exports_file: %s/exports\n"
	"  ganesha_file: %s/ganesha.conf\n"
	"  ganesha_pidfile: %s/no-such.pid\n"
	"profiles:\n"
	"  dl:\n"
	"    kernel: vmlinuz\n"
	"    image: img1\n"
	"  dl2:\n"
	"    kernel: vmlinuz\n"
	"    image: img1\n"
	"    cmdline: \"console=ttyS0 root=/dev/nfs\"\n"
	"  rescue:\n"
	"    kernel: rescue/vmlinuz\n"
	"%s"
	"groups:\n"
	"  compute:\n"
	"    profile: dl\n"
	"nodes:\n"
	"  - name: cn001\n"
	"    mac: 52:54:00:00:00:01\n"
	"    ip: 10.0.0.11\n"
	"    profile: dl\n"
	"  - name: cn002\n"
	"    mac: 52:54:00:00:00:02\n"
	"    ip: 10.0.0.12\n"
	"    group: compute\n"
	"  - name: cn003\n"
	"    mac: 52:54:00:00:00:03\n"
	"    profile: dl\n"
	"  - name: other\n"
	"    mac: 52:54:00:00:00:04\n"
	"    ip: 10.0.0.13\n"
	"    profile: rescue\n";

static struct conf *conf_kernel, *conf_ganesha, *conf_ghost;

static struct conf *make_conf(const char *server, const char *extra)
{
	char yaml[4096];
	struct conf *c = NULL;

	snprintf(yaml, sizeof(yaml), yaml_fmt, tdir, server, tdir, tdir, tdir, extra);
	if (conf_load_buf("test", yaml, strlen(yaml), &c, stderr))
		return NULL;
	return c;
}

/* roots_main() with stdout and stderr (and those of the tools it runs) captured in out[]. */
static int roots(const struct conf *c, ...)
{
	char *argv[16] = { "roots" }, path[PATH_MAX + 8];
	int argc = 1, saved_out, saved_err, fd, ret;
	ssize_t n;
	va_list ap;

	va_start(ap, c);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	snprintf(path, sizeof(path), "%s/out", tdir);
	fflush(stdout);
	fflush(stderr);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	saved_out = dup(1);
	saved_err = dup(2);
	dup2(fd, 1);
	dup2(fd, 2);
	ret = roots_main(argc, argv, c);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	n = pread(fd, out, sizeof(out) - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	return ret;
}

static void put(const char *rel, const char *text)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tdir, rel);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* The file's content (static buffer), or NULL. */
static const char *get(const char *rel)
{
	static char buf[1 << 16];
	char path[PATH_MAX + 64];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tdir, rel);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int lst(const char *rel, struct stat *st)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", tdir, rel);
	return lstat(path, st);
}

static bool exists(const char *rel)
{
	struct stat st;

	return lst(rel, &st) == 0;
}

static void mk(const char *rel)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", tdir, rel);
	mkdir_p(path, 0755);
}

static void sym(const char *target, const char *rel)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", tdir, rel);
	symlink(target, path);
}

static const char seed_fstab[] =
	"# the seed's own\n"
	"UUID=1234-abcd / ext4 defaults 0 1\n"
	"/dev/sda2 none swap sw 0 0\n";

static void setup(void)
{
	snprintf(tdir, sizeof(tdir), "%s/bootherd-roots.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tdir)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(base, sizeof(base), "%s/base", tdir);
	mk("outside");
	put("outside/secret", "secret\n");
	mk("src/etc/network");
	mk("src/etc/systemd/network");
	mk("src/etc/udev/rules.d");
	mk("src/var/lib/dbus");
	mk("src/usr/bin");
	mk("src/proc/1");
	put("src/etc/fstab", seed_fstab);
	put("src/etc/hostname", "seed\n");
	put("src/etc/machine-id", "0123456789abcdef0123456789abcdef\n");
	put("src/var/lib/dbus/machine-id", "0123456789abcdef0123456789abcdef\n");
	put("src/etc/udev/rules.d/70-persistent-net.rules", "SUBSYSTEM==\"net\" NAME=\"eth0\"\n");
	put("src/etc/network/interfaces", "auto eth0\niface eth0 inet dhcp\n");
	put("src/usr/bin/true", "#!/bin/sh\n");
	put("src/proc/1/status", "excluded\n");
	/* Out of the tree, relative and absolute: copied as links, never followed. */
	sym("../../outside/secret", "src/etc/leak");
	sym("/etc/passwd", "src/etc/abs");
	sym("../run/resolv.conf", "src/etc/resolv.conf");
	conf_kernel = make_conf("kernel", "");
	conf_ganesha = make_conf("ganesha", "");
	conf_ghost = make_conf("kernel", "  ghost:\n    kernel: x\n    image: nothere\n");
	if (!conf_kernel || !conf_ganesha || !conf_ghost) {
		fprintf(stderr, "test conf does not load\n");
		exit(1);
	}
}

static void teardown(void)
{
	char *argv[] = { "rm", "-rf", "--", tdir, NULL };

	run((const char *const *)argv);
}

static void bad_names(void)
{
	CHECK_EQ(roots(conf_kernel, "create", "../x", "--from", "/nonexistent", NULL), 2);
	CHECK_EQ(roots(conf_kernel, "create", "a/b", "--from", "/nonexistent", NULL), 2);
	CHECK_EQ(roots(conf_kernel, "create", ".hidden", "--from", "/nonexistent", NULL), 2);
	CHECK_EQ(roots(conf_kernel, "prepare", "..", NULL), 2);
	CHECK_EQ(roots(conf_kernel, "remove", "../outside", "--force", NULL), 2);
	CHECK_EQ(roots(conf_kernel, "overlay", "a/b", "--list", NULL), 2);
	CHECK(strstr(out, "not a valid image name"));
	CHECK(!exists("x"));
	CHECK(exists("outside/secret"));
	CHECK_EQ(roots(conf_kernel, "frobnicate", NULL), 2);
	CHECK_EQ(roots(conf_kernel, "create", "img1", NULL), 2);
}

static void create_from(void)
{
	char src[PATH_MAX + 8];
	struct stat st;

	snprintf(src, sizeof(src), "%s/src", tdir);
	CHECK_EQ(roots(conf_kernel, "create", "img1", "--from", src, NULL), 0);
	CHECK(exists("base/img1/etc/fstab"));
	CHECK(exists("base/img1/usr/bin/true"));
	/* The seed's excludes: the directory is kept, its content not. */
	CHECK(exists("base/img1/proc"));
	CHECK(!exists("base/img1/proc/1"));
	CHECK(lst("base/img1/etc/leak", &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(lst("base/img1/etc/abs", &st) == 0 && S_ISLNK(st.st_mode));
	CHECK_STR(get("outside/secret"), "secret\n");
	/* No partial copies left over, and no second image of the same name. */
	CHECK_EQ(roots(conf_kernel, "create", "img1", "--from", src, NULL), 1);
	CHECK(strstr(out, "exists already"));
	CHECK_EQ(roots(conf_kernel, "create", "img2", "--from", src, NULL), 0);
	CHECK_EQ(roots(conf_kernel, "create", "img3", "--from", "/nonexistent/dir", NULL), 1);
	CHECK(!exists("base/img3"));
}

static void list_images(void)
{
	CHECK_EQ(roots(conf_kernel, "list", NULL), 0);
	CHECK(strstr(out, "NAME"));
	CHECK(strstr(out, "img1"));
	CHECK(strstr(out, "img2"));
	CHECK(!strstr(out, ".lock"));
}

static void prepare_dry_run(void)
{
	struct stat before, after;

	CHECK_EQ(lst("base/img1/etc/fstab", &before), 0);
	CHECK_EQ(roots(conf_kernel, "prepare", "img1", "--dry-run", NULL), 0);
	CHECK(strstr(out, "--- a/etc/fstab\n+++ b/etc/fstab\n"));
	CHECK(strstr(out, "-seed\n"));
	CHECK(strstr(out, "would remove etc/udev/rules.d/70-persistent-net.rules"));
	CHECK(strstr(out, "nothing written"));
	CHECK_STR(get("base/img1/etc/fstab"), seed_fstab);
	CHECK_STR(get("base/img1/etc/hostname"), "seed\n");
	CHECK(exists("base/img1/etc/udev/rules.d/70-persistent-net.rules"));
	CHECK(!exists("base/img1/etc/systemd/network/10-bootherd.network"));
	CHECK(!exists("base/img1/.bootherd-prepared"));
	CHECK_EQ(lst("base/img1/etc/fstab", &after), 0);
	CHECK_EQ(before.st_ino, after.st_ino);
}

static void prepare_image(void)
{
	char want[4096], src[PATH_MAX + 32];
	struct stat st, again;
	const char *t;
	ssize_t n;

	CHECK_EQ(roots(conf_kernel, "prepare", "img1", NULL), 0);
	snprintf(src, sizeof(src), "10.0.0.1:%s/img1", base);
	n = roots_fstab(want, sizeof(want), seed_fstab, strlen(seed_fstab), src, "vers=3");
	CHECK(n > 0 && (size_t)n < sizeof(want));
	t = get("base/img1/etc/fstab");
	CHECK(t && !strcmp(t, want));
	CHECK(t && strstr(t, src));
	CHECK(t && strstr(t, "# bootherd: UUID=1234-abcd / ext4"));
	CHECK(t && strstr(t, "defaults,vers=3"));
	CHECK_STR(get("base/img1/etc/hostname"), "");
	CHECK_STR(get("base/img1/etc/machine-id"), "");
	CHECK(!exists("base/img1/var/lib/dbus/machine-id"));
	CHECK(!exists("base/img1/etc/udev/rules.d/70-persistent-net.rules"));
	t = get("base/img1/etc/network/interfaces");
	CHECK(t && strstr(t, "iface lo inet loopback") && !strstr(t, "eth0"));
	t = get("base/img1/etc/systemd/network/10-bootherd.network");
	CHECK(t && strstr(t, "[Match]\nName=*\n") && strstr(t, "DHCP=ipv4\nKeepConfiguration=yes"));
	CHECK(exists("base/img1/.bootherd-prepared"));
	CHECK(lst("base/img1/etc/resolv.conf", &st) == 0 && S_ISLNK(st.st_mode));
	CHECK_STR(get("outside/secret"), "secret\n");

	/* Idempotent: a second run changes nothing, not even an inode. */
	CHECK_EQ(lst("base/img1/etc/fstab", &st), 0);
	CHECK_EQ(roots(conf_kernel, "prepare", "img1", NULL), 0);
	CHECK(strstr(out, "nothing changed"));
	CHECK_EQ(roots(conf_kernel, "prepare", "img1", "--dry-run", NULL), 0);
	CHECK(strstr(out, "nothing changed"));
	CHECK(!strstr(out, "---"));
	CHECK_EQ(lst("base/img1/etc/fstab", &again), 0);
	CHECK_EQ(st.st_ino, again.st_ino);

	CHECK_EQ(roots(conf_kernel, "list", NULL), 0);
	CHECK(strstr(out, "yes"));
}

static void prepare_no_write_through_symlink(void)
{
	char target[PATH_MAX + 32];
	struct stat st;

	/* The seed's copy (img2) with etc/hostname pointing out of the image. */
	snprintf(target, sizeof(target), "%s/img2/etc/hostname", base);
	CHECK_EQ(unlink(target), 0);
	snprintf(target, sizeof(target), "%s/outside/secret", tdir);
	sym(target, "base/img2/etc/hostname");
	CHECK_EQ(roots(conf_kernel, "prepare", "img2", NULL), 1);
	CHECK(strstr(out, "etc/hostname is a symlink"));
	CHECK_STR(get("outside/secret"), "secret\n");
	CHECK(lst("base/img2/etc/hostname", &st) == 0 && S_ISLNK(st.st_mode));
	/* The other files were done all the same. */
	CHECK_STR(get("base/img2/etc/machine-id"), "");
	/* A relative link, even one that stays inside, is refused as well. */
	snprintf(target, sizeof(target), "%s/img2/etc/hostname", base);
	CHECK_EQ(unlink(target), 0);
	sym("../../../outside/secret", "base/img2/etc/hostname");
	CHECK_EQ(roots(conf_kernel, "prepare", "img2", NULL), 1);
	CHECK_STR(get("outside/secret"), "secret\n");
	CHECK_EQ(unlink(target), 0);
	sym("machine-id", "base/img2/etc/hostname");
	CHECK_EQ(roots(conf_kernel, "prepare", "img2", "--dry-run", NULL), 1);
	CHECK(strstr(out, "etc/hostname is a symlink"));
}

static void overlay_areas(void)
{
	struct stat a, b;

	CHECK_EQ(roots(conf_kernel, "overlay", "img1", "--nodes", "cn00[12]", NULL), 0);
	CHECK(exists("base/.nodes/img1/cn001/etc/fstab"));
	CHECK(exists("base/.nodes/img1/cn001/var/lib"));
	CHECK(!exists("base/.nodes/img1/cn001/usr"));
	CHECK(exists("base/.nodes/img1/cn002/etc/hostname"));
	CHECK(lst("base/.nodes/img1/cn002/etc/leak", &a) == 0 && S_ISLNK(a.st_mode));
	/* Already there: left alone, not an error. */
	CHECK_EQ(roots(conf_kernel, "overlay", "img1", "--nodes", "@compute", NULL), 0);
	CHECK(strstr(out, "already"));

	CHECK_EQ(roots(conf_kernel, "overlay", "img1", "--nodes", "cn003", "--mode", "hardlink",
		       NULL), 0);
	CHECK_EQ(lst("base/.nodes/img1/cn003/usr/bin/true", &a), 0);
	CHECK_EQ(lst("base/img1/usr/bin/true", &b), 0);
	CHECK_EQ(a.st_ino, b.st_ino);

	CHECK_EQ(roots(conf_kernel, "overlay", "img1", "--nodes", "nosuch", NULL), 1);
	CHECK(strstr(out, "not in the inventory"));
	CHECK_EQ(roots(conf_kernel, "overlay", "img1", "--nodes", "zz*", NULL), 1);
	CHECK_EQ(roots(conf_kernel, "overlay", "img1", "--nodes", "@nogroup", NULL), 1);
	CHECK_EQ(roots(conf_kernel, "overlay", "img1", "--nodes", "cn001", "--mode", "x", NULL),
		 2);
	CHECK_EQ(roots(conf_kernel, "overlay", "img1", "--list", NULL), 0);
	CHECK(strstr(out, "cn001") && strstr(out, "cn002") && strstr(out, "cn003"));
	CHECK(!exists("base/.nodes/img1/nosuch"));
}

static void export_kernel(void)
{
	char want[4096];
	const char *t, *p;
	char body[4096];
	size_t j = 0;

	CHECK_EQ(roots(conf_kernel, "export", "--dry-run", NULL), 0);
	CHECK(!exists("exports"));
	CHECK_EQ(roots(conf_kernel, "export", "--no-apply", NULL), 0);
	CHECK(strstr(out, "image img2: nobody boots it; not exported"));
	CHECK(strstr(out, "cn003") && strstr(out, "no ip"));
	CHECK(strstr(out, "lines added"));
	snprintf(want, sizeof(want),
		 "%s/img1 10.0.0.11(ro,sync,no_subtree_check,root_squash) "
		 "10.0.0.12(ro,sync,no_subtree_check,root_squash)\n"
		 "%s/.nodes/img1/cn001 10.0.0.11(rw,sync,no_subtree_check,no_root_squash)\n"
		 "%s/.nodes/img1/cn002 10.0.0.12(rw,sync,no_subtree_check,no_root_squash)\n",
		 base, base, base);
	t = get("exports");
	CHECK(t != NULL);
	/* The generator's header comment aside, the exact text. */
	for (p = t; p && *p;) {
		const char *eol = strchrnul(p, '\n');

		if (*p != '#' && j + (size_t)(eol - p) + 2 < sizeof(body)) {
			memcpy(body + j, p, (size_t)(eol - p));
			j += (size_t)(eol - p);
			body[j++] = '\n';
		}
		p = *eol ? eol + 1 : eol;
	}
	body[j] = '\0';
	CHECK_STR(body, want);
	CHECK(t && t[0] == '#');
	CHECK(!strstr(t, "*"));

	CHECK_EQ(roots(conf_kernel, "export", "--no-apply", NULL), 0);
	CHECK(strstr(out, "no change"));
	CHECK_EQ(roots(conf_kernel, "list", NULL), 0);
	CHECK(strstr(out, "cn001,cn002,cn003"));
}

static void check_findings(void)
{
	char text[4096];

	CHECK_EQ(roots(conf_kernel, "check", NULL), 0);
	CHECK(strstr(out, "ok"));
	CHECK_EQ(roots(conf_ghost, "check", NULL), 1);
	CHECK(strstr(out, "profile ghost names image nothere, which does not exist"));

	/* Someone else's address in place of cn002's, and an image nobody boots. */
	snprintf(text, sizeof(text),
		 "# hand-edited\n"
		 "%s/img1 10.0.0.11(ro,sync) 10.0.0.99(ro,sync)\n"
		 "%s/img2 10.0.0.13(ro,sync)\n"
		 "%s/.nodes/img1/cn001 10.0.0.12(rw,no_root_squash)\n"
		 "%s/.nodes/img1/cn009 10.0.0.11(rw,no_root_squash)\n"
		 "%s/../outside 10.0.0.11(rw)\n",
		 base, base, base, base, base);
	put("exports", text);
	CHECK_EQ(roots(conf_kernel, "check", NULL), 1);
	CHECK(strstr(out, "node cn002 boots image img1 but is not in img1's export"));
	CHECK(strstr(out, "10.0.0.99 may mount img1 but boots no profile with it"));
	CHECK(strstr(out, "image img2 is exported but nobody boots it"));
	CHECK(strstr(out, "10.0.0.13 (node other) may mount img2"));
	CHECK(strstr(out, "10.0.0.12 may mount the area of node cn001"));
	CHECK(strstr(out, "/.nodes/img1/cn009 is exported but does not exist"));
	CHECK(strstr(out, "/../outside is exported but is not an image"));
	CHECK(!strstr(out, "node cn001 boots"));

	/* export puts it right, and says what it took out. */
	CHECK_EQ(roots(conf_kernel, "export", "--no-apply", NULL), 0);
	CHECK(strstr(out, "- "));
	CHECK(strstr(out, "10.0.0.99"));
	CHECK_EQ(roots(conf_kernel, "check", NULL), 0);
}

static void export_ganesha(void)
{
	const char *t;

	CHECK_EQ(roots(conf_ganesha, "check", NULL), 1);
	CHECK(strstr(out, "no such file"));
	CHECK_EQ(roots(conf_ganesha, "export", NULL), 0);
	/* No pid file: written, and the message says ganesha must be (re)started. */
	CHECK(strstr(out, "(re)start"));
	t = get("ganesha.conf");
	CHECK(t && strstr(t, "EXPORT"));
	CHECK(t && strstr(t, "10.0.0.11, 10.0.0.12"));
	CHECK_EQ(roots(conf_ganesha, "check", NULL), 0);
	CHECK_EQ(roots(conf_ganesha, "list", NULL), 0);
}

static void remove_image(void)
{
	CHECK_EQ(roots(conf_kernel, "overlay", "img1", "--remove", "--nodes", "cn003", NULL), 1);
	CHECK(strstr(out, "--force"));
	CHECK(exists("base/.nodes/img1/cn003/usr/bin/true"));
	CHECK_EQ(roots(conf_kernel, "overlay", "img1", "--remove", "--nodes", "cn003", "--force",
		       NULL), 0);
	CHECK(!exists("base/.nodes/img1/cn003"));
	/* The hardlinked copy's removal leaves the image's files. */
	CHECK(exists("base/img1/usr/bin/true"));

	CHECK_EQ(roots(conf_kernel, "remove", "img1", NULL), 1);
	CHECK(strstr(out, "--force"));
	CHECK(exists("base/img1/etc/fstab"));
	CHECK(exists("base/.nodes/img1/cn001"));
	CHECK_EQ(roots(conf_kernel, "remove", "img1", "--force", NULL), 0);
	CHECK(!exists("base/img1"));
	CHECK(!exists("base/.nodes/img1"));
	CHECK(exists("base/img2/etc"));
	CHECK_STR(get("outside/secret"), "secret\n");
	CHECK(exists("src/etc/fstab"));
	CHECK_EQ(roots(conf_kernel, "remove", "img1", "--force", NULL), 1);
	CHECK(strstr(out, "no such image"));
	/* A symlink in the base posing as an image is never followed by remove. */
	sym("../outside", "base/evil");
	CHECK_EQ(roots(conf_kernel, "remove", "evil", "--force", NULL), 1);
	CHECK(exists("outside/secret"));
	CHECK_EQ(roots(conf_kernel, "prepare", "evil", NULL), 1);
}

/* ${root} of a profile with image: and no root:, and the root= its cmdline gets. */
static void bootgen_image_root(void)
{
	struct server_gen g = { .conf = conf_kernel };
	struct bootgen_req r = { .path = "pxelinux.cfg/01-52-54-00-00-00-01",
				 .http_base = "http://10.0.0.1:80" };
	const struct conf_profile *p = conf_profile_by_name(conf_kernel, "dl");
	struct bootgen_vars v = { .hostname = "", .conf = conf_kernel, .profile = p };
	char buf[PATH_MAX + 64], want[PATH_MAX + 128];
	char *text = NULL;
	size_t len = 0;

	CHECK(template_expand(buf, sizeof(buf), "${root}", bootgen_var_lookup, &v, NULL) > 0);
	snprintf(want, sizeof(want), "%s/img1", base);
	CHECK_STR(buf, want);
	inet_pton(AF_INET, "10.0.0.1", &r.server);
	inet_pton(AF_INET, "10.0.0.11", &r.peer);
	CHECK_EQ(bootgen_file(&g, &r, &text, &len), 1);
	snprintf(want, sizeof(want), "root=nfs:10.0.0.1:%s/img1:vers=3 ip=dhcp", base);
	CHECK(text && strstr(text, want));
	free(text);

	/* A cmdline with its own root= is left as written (dl2 is in the menu of nobody: its
	 * own text through ${root} only). */
	v.profile = conf_profile_by_name(conf_kernel, "dl2");
	CHECK(template_expand(buf, sizeof(buf), "${root}", bootgen_var_lookup, &v, NULL) > 0);
	snprintf(want, sizeof(want), "%s/img1", base);
	CHECK_STR(buf, want);
}

int main(void)
{
	setup();
	RUN(bad_names);
	RUN(create_from);
	RUN(list_images);
	RUN(prepare_dry_run);
	RUN(prepare_image);
	RUN(prepare_no_write_through_symlink);
	RUN(overlay_areas);
	RUN(export_kernel);
	RUN(check_findings);
	RUN(export_ganesha);
	RUN(remove_image);
	RUN(bootgen_image_root);
	teardown();
	return check_done();
}
