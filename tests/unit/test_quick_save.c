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
#include "../../src/cli/hub_save.c"
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
	wgc_quick_format_showconf(&out, &dev);
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

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	RUN_TEST(test_merge);
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
