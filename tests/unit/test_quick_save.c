// SPDX-License-Identifier: MIT
/*
 * SaveConfig's pieces: the showconf text, the merge with wg-quick's
 * [Interface] lines, and the atomic writer (including a writer killed
 * half-way, which must leave the original file as it was).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/cli/quick_conf.c"
#include "../../src/cli/quick_exec.c"
#include "../../src/cli/quick_plan.c"
#include "../../src/cli/quick_save.c"
#include "../../src/cli/quick_state.c"
#include "../../src/cli/quick_comments.c"
#include "../../src/cli/candidates_check.c"

const char *PROG_NAME = "wgc";
#include "harness.h"

#define K1 "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="

static char dir[] = "/tmp/wgc-quick-save.XXXXXX";

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int leftovers(void)
{
	char cmd[256];
	int n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | grep -c '^\\.'", dir);
	p = popen(cmd, "r");
	if (p) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

static void test_merge(void)
{
	struct wgc_strbuf out = { 0 };

	wgc_quick_merge_saved(&out, "[Interface]\nAddress = 10.0.0.2/24\nSaveConfig = true\n",
			      "[Interface]\nListenPort = 51820\n\n[Peer]\nPublicKey = x\n\n\n");
	CHECK(out.data && !strcmp(out.data, "[Interface]\nAddress = 10.0.0.2/24\nSaveConfig = true\nListenPort = 51820\n\n"
					    "[Peer]\nPublicKey = x\n"));
	wgc_strbuf_free(&out);
}

static void test_showconf(void)
{
	struct wgc_device_model dev = { 0 };
	struct wgc_strbuf out = { 0 };
	struct wgc_allowed_ip *ip;
	struct wgc_peer_model *p;

	dev.listen_port = 51820;
	dev.fwmark = 0xca6c;
	p = wgc_model_add_peer(&dev);
	memset(p->public_key, 0, sizeof(p->public_key));
	ip = wgc_model_add_allowed_ip(p);
	ip->family = AF_INET;
	ip->cidr = 24;
	ip->ip4.s_addr = htonl(0x0a370000);
	ip = wgc_model_add_allowed_ip(p);
	ip->family = AF_INET6;
	ip->cidr = 0;
	p->persistent_keepalive = 25;
	wgc_show_conf(&out, &dev);
	CHECK(out.data && !strcmp(out.data, "[Interface]\nListenPort = 51820\nFwMark = 0xca6c\n\n[Peer]\n"
					    "PublicKey = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
					    "AllowedIPs = 10.55.0.0/24, ::/0\nPersistentKeepalive = 25\n"));
	wgc_strbuf_free(&out);
	wgc_model_free(&dev);
}

static void test_write_atomic(void)
{
	char path[256], err[256];
	const char *text = "[Interface]\nPrivateKey = " K1 "\n";
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "%s/wg0.conf", dir);
	f = fopen(path, "w");
	if (f) {
		fputs("old\n", f);
		fclose(f);
	}
	chmod(path, 0644);
	CHECK(wgc_quick_write_atomic(path, text, strlen(text), err, sizeof(err)));
	CHECK(slurp(path) && !strcmp(slurp(path), text));
	CHECK(!stat(path, &st) && (st.st_mode & 0777) == 0600);
	CHECK(leftovers() == 0);
	snprintf(path, sizeof(path), "%s/missing/wg0.conf", dir);
	CHECK(!wgc_quick_write_atomic(path, text, strlen(text), err, sizeof(err)));
	CHECK(strstr(err, "Could not write configuration file") != NULL);
}

/* A writer killed between writing and renaming: the original stays whole. */
static void test_crash_keeps_original(void)
{
	char path[256], err[256], big[8192];
	int status = 0;
	pid_t pid;
	FILE *f;

	snprintf(path, sizeof(path), "%s/wg1.conf", dir);
	f = fopen(path, "w");
	if (f) {
		fputs("original contents\n", f);
		fclose(f);
	}
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	pid = fork();
	if (pid == 0) {
		setenv("WGC_TEST_SAVE_CRASH", "1", 1);
		wgc_quick_write_atomic(path, big, strlen(big), err, sizeof(err));
		_exit(0);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CHECK(slurp(path) && !strcmp(slurp(path), "original contents\n"));
	/* the half-written temporary is what is left, never the file itself */
	CHECK(leftovers() == 1);
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "rm -f '%s'/.wg1.conf.*", dir);
		CHECK(system(cmd) == 0);
	}
}

static void expect_merge(const char *old, const char *gen, const char *want)
{
	struct wgc_strbuf out = { 0 };

	CHECK(wgc_quick_keep_comments(&out, old, strlen(old), gen));
	CHECK(out.data && !strcmp(out.data, want));
	if (!out.data || strcmp(out.data, want))
		fprintf(stderr, "got:\n%s\nwant:\n%s\n", out.data ? out.data : "(null)", want);
	wgc_strbuf_free(&out);
}

#define PK1 "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
#define PK2 "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0="
#define PK3 "gN65BkIKy1eCE9pP1wdc8ROUtkHLF2PfAqYdyYBz6EA="

/* the rule of doc/wgc-quick.md, case by case */
static void test_comments_survive(void)
{
	/* top of file and [Interface]; trailing comment kept when the value is unchanged */
	expect_merge("# my laptop's tunnel\n[Interface]\n# the key\nPrivateKey = K # secret\nListenPort = 1 # old port\n",
		     "[Interface]\nListenPort = 2\nPrivateKey = K\n",
		     "# my laptop's tunnel\n[Interface]\n# the key\nPrivateKey = K # secret\n# old port\nListenPort = 2\n");
	/* peers matched by public key and kept in the file's order; comments directly above [Peer] go with it */
	expect_merge("[Interface]\nPrivateKey = K\n\n# phone\n[Peer]\n# friendly_name = phone\nPublicKey = " PK1
		     "\nAllowedIPs = 10.0.0.2/32, fd00::2/128 # phone's addresses\n\n[Peer]\nPublicKey = " PK2
		     "\n# friendly_name = laptop\nAllowedIPs = 10.0.0.3/32\n",
		     "[Interface]\nPrivateKey = K\n\n[Peer]\nPublicKey = " PK2 "\nAllowedIPs = 10.0.0.3/32\n\n[Peer]\nPublicKey = " PK1
		     "\nAllowedIPs = 10.0.0.2/32,fd00::2/128\nEndpoint = 1.2.3.4:5\n",
		     "[Interface]\nPrivateKey = K\n\n# phone\n[Peer]\n# friendly_name = phone\nPublicKey = " PK1
		     "\nAllowedIPs = 10.0.0.2/32,fd00::2/128 # phone's addresses\nEndpoint = 1.2.3.4:5\n\n"
		     "[Peer]\nPublicKey = " PK2 "\n# friendly_name = laptop\nAllowedIPs = 10.0.0.3/32\n");
	/* a comment above a [Peer] after a blank line stays with what is above (here [Interface]) */
	expect_merge("[Interface]\nPrivateKey = K\n# about the interface\n\n[Peer]\nPublicKey = " PK1 "\n",
		     "[Interface]\nPrivateKey = K\n\n[Peer]\nPublicKey = " PK1 "\n",
		     "[Interface]\nPrivateKey = K\n# about the interface\n\n[Peer]\nPublicKey = " PK1 "\n");
	/* a peer removed at run time disappears with its comments; one added is appended bare */
	expect_merge("[Interface]\nPrivateKey = K\n\n# old\n[Peer]\n# friendly_name = old\nPublicKey = " PK1 "\n",
		     "[Interface]\nPrivateKey = K\n\n[Peer]\nPublicKey = " PK3 "\n",
		     "[Interface]\nPrivateKey = K\n\n[Peer]\nPublicKey = " PK3 "\n");
	/* a key that is gone: its comments end the section instead of vanishing */
	expect_merge("[Interface]\nPrivateKey = K\n\n[Peer]\nPublicKey = " PK1 "\n# keep it alive\nPersistentKeepalive = 25 # NAT\n",
		     "[Interface]\nPrivateKey = K\n\n[Peer]\nPublicKey = " PK1 "\n",
		     "[Interface]\nPrivateKey = K\n\n[Peer]\nPublicKey = " PK1 "\n# keep it alive\n# NAT\n");
	/* several Address lines: a comment above the first stays above the first */
	expect_merge("[Interface]\n# home\nAddress = 10.0.0.1/24\nAddress = fd00::1/64 # v6\nPrivateKey = K\n",
		     "[Interface]\nAddress = 10.0.0.1/24\nAddress = fd00::1/64\nPrivateKey = K\n",
		     "[Interface]\n# home\nAddress = 10.0.0.1/24\nAddress = fd00::1/64 # v6\nPrivateKey = K\n");
	/* fuzzer find: a line without '=' (NULL value pointer, UB in the span arithmetic) */
	expect_merge("[Interface]\n# c\nNoEquals\n", "[Interface]\nNoEquals\n", "[Interface]\n# c\nNoEquals\n");
	/* a file that starts with a UTF-8 byte-order mark keeps its order and comments (save once
	 * moved its [Interface] section after the peers); the mark itself is dropped */
	expect_merge("\xef\xbb\xbf[Interface]\n# mine\nPrivateKey = K\nAddress = 10.0.0.1/24\n\n[Peer]\nPublicKey = " PK1 "\n",
		     "[Interface]\nAddress = 10.0.0.1/24\nPrivateKey = K\n\n[Peer]\nPublicKey = " PK1 "\n",
		     "[Interface]\n# mine\nPrivateKey = K\nAddress = 10.0.0.1/24\n\n[Peer]\nPublicKey = " PK1 "\n");
	/* a file without comments comes out exactly as generated */
	expect_merge("[Interface]\nPrivateKey = K\n", "[Interface]\nPrivateKey = K\n\n[Peer]\nPublicKey = " PK1 "\n",
		     "[Interface]\nPrivateKey = K\n\n[Peer]\nPublicKey = " PK1 "\n");
}

/*
 * Save keeps the file's order (issue 10 follow-up: a new user saw every save
 * reorder [Interface] and [Peer]): keys the file has stay where they were,
 * a further line of such a key follows its last one, and keys the file did
 * not have come last in wg-quick's order.
 */
static void test_save_keeps_order(void)
{
	/* the user's order; the generated order is wg-quick's (Address..hooks, then showconf's) */
	expect_merge("[Interface]\nPrivateKey = K\nListenPort = 51820\nAddress = 10.0.0.1/24\nSaveConfig = true\n"
		     "PostUp = echo up\n\n[Peer]\nEndpoint = 1.2.3.4:5\nAllowedIPs = 10.0.0.2/32\nPublicKey = " PK1 "\n",
		     "[Interface]\nAddress = 10.0.0.1/24\nAddress = fd00::1/64\nDNS = 10.0.0.53\nSaveConfig = true\n"
		     "PostUp = echo up\nListenPort = 51821\nPrivateKey = K\n\n[Peer]\nPublicKey = " PK1
		     "\nAllowedIPs = 10.0.0.2/32\nEndpoint = 1.2.3.4:5\nPersistentKeepalive = 25\n",
		     "[Interface]\nPrivateKey = K\nListenPort = 51821\nAddress = 10.0.0.1/24\nAddress = fd00::1/64\n"
		     "SaveConfig = true\nPostUp = echo up\nDNS = 10.0.0.53\n\n[Peer]\nEndpoint = 1.2.3.4:5\n"
		     "AllowedIPs = 10.0.0.2/32\nPublicKey = " PK1 "\nPersistentKeepalive = 25\n");
	/* keys spelled in another case are matched; a key no longer written leaves its place */
	expect_merge("[Interface]\nlistenport = 1\nMTU = 1400\nprivatekey = K\n",
		     "[Interface]\nListenPort = 1\nPrivateKey = K\n",
		     "[Interface]\nListenPort = 1\nPrivateKey = K\n");
	/* peers in the file's order whatever the running order; a new peer comes last */
	expect_merge("[Interface]\nPrivateKey = K\n\n[Peer]\nPublicKey = " PK1 "\n\n[Peer]\nPublicKey = " PK2 "\n",
		     "[Interface]\nPrivateKey = K\n\n[Peer]\nPublicKey = " PK3 "\n\n[Peer]\nPublicKey = " PK2
		     "\n\n[Peer]\nPublicKey = " PK1 "\n",
		     "[Interface]\nPrivateKey = K\n\n[Peer]\nPublicKey = " PK1 "\n\n[Peer]\nPublicKey = " PK2
		     "\n\n[Peer]\nPublicKey = " PK3 "\n");
}

/* A hub file's marker lines and each peer's friendly_name and mac survive SaveConfig (issues 10, 13). */
static void test_hub_names_survive_save(void)
{
	static const char old[] = "# wgc hub\n# wgc endpoint = vpn.example.com:51820\n[Interface]\n"
				  "Address = 10.13.13.1/24\nListenPort = 51820\n\n"
				  "[Peer]\n# friendly_name = phone\n# mac = 02:00:00:00:00:01\n"
				  "PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\nAllowedIPs = 10.13.13.2/32\n\n"
				  "[Peer]\n# friendly_name = laptop\n"
				  "PublicKey = TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=\nAllowedIPs = 10.13.13.3/32\n";
	static const char saved[] = "[Interface]\nAddress = 10.13.13.1/24\nListenPort = 51820\n\n"
				    "[Peer]\nPublicKey = TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=\nAllowedIPs = 10.13.13.3/32\n\n"
				    "[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\nAllowedIPs = 10.13.13.2/32\n";
	struct wgc_strbuf out = { 0 };

	CHECK(wgc_quick_keep_comments(&out, old, strlen(old), saved));
	CHECK(out.data && !strncmp(out.data, "# wgc hub\n# wgc endpoint", 24));
	CHECK(out.data && strstr(out.data, "[Peer]\n# friendly_name = laptop\nPublicKey = TrMv"));
	CHECK(out.data && strstr(out.data, "[Peer]\n# friendly_name = phone\n# mac = 02:00:00:00:00:01\nPublicKey = xTIB"));
	wgc_strbuf_free(&out);
}

int main(void)
{
	RUN_TEST(test_hub_names_survive_save);
	if (!mkdtemp(dir))
		return 1;
	RUN_TEST(test_merge);
	RUN_TEST(test_comments_survive);
	RUN_TEST(test_save_keeps_order);
	RUN_TEST(test_showconf);
	RUN_TEST(test_write_atomic);
	RUN_TEST(test_crash_keeps_original);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd))
			harness_failures++;
	}
	return harness_exit_code();
}
