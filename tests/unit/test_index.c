/* The Xapian wrapper on real temporary databases: what is committed is read
 * back, what is not is invisible, the lock is reported, errors never throw. */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "index.h"
#include "legacy_index.h"

static char dir[64];

static void
make_dir(void)
{
	strcpy(dir, "/tmp/vd-test-index-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
remove_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static vd_doc_t *
profile_doc(const char *id, const char *licence)
{
	vd_doc_t *doc = vd_doc_new();
	char term[80], data[120];

	snprintf(term, sizeof(term), "Qj%s", id);
	snprintf(data, sizeof(data), "{\"id\":\"%s\"}", id);
	ck_assert(vd_doc_add_term(doc, term));
	ck_assert(vd_doc_add_term(doc, "Tj"));
	snprintf(term, sizeof(term), "Klicence:%s", licence);
	ck_assert(vd_doc_add_term(doc, term));
	ck_assert(vd_doc_set_value(doc, VD_SLOT_NEXT_EXPIRY, "20300101"));
	ck_assert(vd_doc_set_data(doc, data, strlen(data)));
	return doc;
}

static void
count_cb(vd_docid_t docid, void *arg)
{
	(void)docid;
	(*(int *)arg)++;
}

static void
count_term_cb(const char *term, void *arg)
{
	(void)term;
	(*(int *)arg)++;
}

START_TEST(commit_makes_writes_visible)
{
	vd_index_t *w = NULL, *r = NULL;
	vd_doc_t *doc = profile_doc("a-1", "B");
	vd_docid_t id = 0;
	char *data = NULL;
	unsigned n = 99;

	ck_assert_int_eq(vd_index_open_writer(dir, &w, NULL), VD_OK);
	ck_assert_int_eq(vd_index_open_reader(dir, &r, NULL), VD_OK);
	ck_assert_int_eq(vd_index_replace(w, "Qja-1", doc, &id), VD_OK);
	ck_assert_uint_gt(id, 0);
	/* Not committed: the reader must not see it. */
	ck_assert_int_eq(vd_index_reopen(r), VD_OK);
	ck_assert_int_eq(vd_index_get(r, "Qja-1", &data, NULL, NULL), VD_ERR_NOT_FOUND);
	ck_assert_int_eq(vd_index_commit(w), VD_OK);
	ck_assert_int_eq(vd_index_reopen(r), VD_OK);
	ck_assert_int_eq(vd_index_get(r, "Qja-1", &data, NULL, NULL), VD_OK);
	ck_assert_str_eq(data, "{\"id\":\"a-1\"}");
	ck_assert_int_eq(vd_index_term_count(r, "Klicence:B", &n), VD_OK);
	ck_assert_uint_eq(n, 1);
	free(data);
	vd_doc_free(doc);
	vd_index_close(r);
	vd_index_close(w);
}
END_TEST

START_TEST(replace_keeps_docid_and_delete_reports_it)
{
	vd_index_t *w = NULL;
	vd_doc_t *b = profile_doc("a-1", "B"), *ce = profile_doc("a-1", "CE");
	vd_docid_t first = 0, second = 0, deleted = 0;
	unsigned n = 0;

	ck_assert_int_eq(vd_index_open_writer(dir, &w, NULL), VD_OK);
	ck_assert_int_eq(vd_index_replace(w, "Qja-1", b, &first), VD_OK);
	ck_assert_int_eq(vd_index_replace(w, "Qja-1", ce, &second), VD_OK);
	ck_assert_uint_eq(first, second);
	ck_assert_int_eq(vd_index_commit(w), VD_OK);
	ck_assert_int_eq(vd_index_term_count(w, "Klicence:B", &n), VD_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(vd_index_delete(w, "Qja-1", &deleted), VD_OK);
	ck_assert_uint_eq(deleted, first);
	ck_assert_int_eq(vd_index_delete(w, "Qja-1", &deleted), VD_OK);
	ck_assert_uint_eq(deleted, 0);
	ck_assert_int_eq(vd_index_commit(w), VD_OK);
	vd_doc_free(b);
	vd_doc_free(ce);
	vd_index_close(w);
}
END_TEST

/* add indexes the unique term like replace does, without looking it up. */
START_TEST(add_indexes_a_new_document)
{
	vd_index_t *w = NULL;
	vd_doc_t *a = profile_doc("a-1", "B"), *b = profile_doc("b-1", "C"),
	         *a2 = profile_doc("a-1", "D");
	vd_docid_t ida = 0, idb = 0, found = 0, replaced = 0;
	unsigned docs = 99, n = 0;
	char *data = NULL;

	ck_assert_int_eq(vd_index_open_writer(dir, &w, NULL), VD_OK);
	ck_assert_int_eq(vd_index_doc_count(w, &docs), VD_OK);
	ck_assert_uint_eq(docs, 0);
	ck_assert_int_eq(vd_index_add(w, a, &ida), VD_OK);
	ck_assert_int_eq(vd_index_add(w, b, &idb), VD_OK);
	ck_assert_uint_gt(ida, 0);
	ck_assert_uint_gt(idb, 0);
	ck_assert_uint_ne(ida, idb);
	ck_assert_int_eq(vd_index_doc_count(w, &docs), VD_OK);
	ck_assert_uint_eq(docs, 2);
	ck_assert_int_eq(vd_index_commit(w), VD_OK);
	ck_assert_int_eq(vd_index_get(w, "Qjb-1", &data, NULL, &found), VD_OK);
	ck_assert_str_eq(data, "{\"id\":\"b-1\"}");
	ck_assert_uint_eq(found, idb);
	ck_assert_int_eq(vd_index_term_count(w, "Klicence:B", &n), VD_OK);
	ck_assert_uint_eq(n, 1);
	/* The added document is the one a later replace finds. */
	ck_assert_int_eq(vd_index_replace(w, "Qja-1", a2, &replaced), VD_OK);
	ck_assert_uint_eq(replaced, ida);
	ck_assert_int_eq(vd_index_commit(w), VD_OK);
	ck_assert_int_eq(vd_index_doc_count(w, &docs), VD_OK);
	ck_assert_uint_eq(docs, 2);
	ck_assert_int_eq(vd_index_term_count(w, "Klicence:B", &n), VD_OK);
	ck_assert_uint_eq(n, 0);
	free(data);
	vd_doc_free(a);
	vd_doc_free(b);
	vd_doc_free(a2);
	vd_index_close(w);
}
END_TEST

START_TEST(postings_terms_and_values)
{
	vd_index_t *w = NULL;
	vd_doc_t *a = profile_doc("a", "B"), *b = profile_doc("b", "B"), *c = profile_doc("c", "D");
	int postings = 0, terms = 0, lapsed = 0;

	ck_assert(vd_doc_set_value(c, VD_SLOT_NEXT_EXPIRY, "20250101"));
	ck_assert_int_eq(vd_index_open_writer(dir, &w, NULL), VD_OK);
	ck_assert_int_eq(vd_index_replace(w, "Qja", a, NULL), VD_OK);
	ck_assert_int_eq(vd_index_replace(w, "Qjb", b, NULL), VD_OK);
	ck_assert_int_eq(vd_index_replace(w, "Qjc", c, NULL), VD_OK);
	ck_assert_int_eq(vd_index_commit(w), VD_OK);
	ck_assert_int_eq(vd_index_postings(w, "Klicence:B", count_cb, &postings), VD_OK);
	ck_assert_int_eq(postings, 2);
	ck_assert_int_eq(vd_index_terms(w, "Klicence:", count_term_cb, &terms), VD_OK);
	ck_assert_int_eq(terms, 2);
	ck_assert_int_eq(
	    vd_index_value_at_most(w, "Tj", VD_SLOT_NEXT_EXPIRY, "20260101", count_cb, &lapsed),
	    VD_OK);
	ck_assert_int_eq(lapsed, 1);
	vd_doc_free(a);
	vd_doc_free(b);
	vd_doc_free(c);
	vd_index_close(w);
}
END_TEST

/* The canonical JSON is a value, not Xapian's (deflated) document data; a
 * document written before that change is still read from its data. */
START_TEST(data_is_a_value_and_old_documents_still_read)
{
	vd_index_t *w = NULL, *r = NULL;
	vd_doc_t *doc = profile_doc("new-1", "B");
	vd_docid_t id = 0;
	char *data = NULL, *value = NULL;

	ck_assert(legacy_write_doc(dir, "Qjold-1", "{\"id\":\"old-1\"}"));
	ck_assert_int_eq(vd_index_open_writer(dir, &w, NULL), VD_OK);
	ck_assert_int_eq(vd_index_replace(w, "Qjnew-1", doc, &id), VD_OK);
	ck_assert_int_eq(vd_index_commit(w), VD_OK);
	ck_assert_int_eq(vd_index_open_reader(dir, &r, NULL), VD_OK);
	ck_assert_int_eq(vd_index_value(r, id, VD_SLOT_DATA, &value), VD_OK);
	ck_assert_str_eq(value, "{\"id\":\"new-1\"}");
	ck_assert_int_eq(vd_index_get_by_docid(r, id, &data, NULL), VD_OK);
	ck_assert_str_eq(data, "{\"id\":\"new-1\"}");
	free(data);
	ck_assert_int_eq(vd_index_get(r, "Qjold-1", &data, NULL, &id), VD_OK);
	ck_assert_str_eq(data, "{\"id\":\"old-1\"}");
	free(data);
	ck_assert_int_eq(vd_index_get_by_docid(r, id, &data, NULL), VD_OK);
	ck_assert_str_eq(data, "{\"id\":\"old-1\"}");
	free(data);
	free(value);
	vd_doc_free(doc);
	vd_index_close(r);
	vd_index_close(w);
}
END_TEST

/* A reader reopened while the writer commits, again and again, must see at
 * least what was committed before the reopen began: the store reopens its
 * reader before answering writes, so that what it answered is read back.
 * Under contention Xapian's reopen can meet blocks a newer commit reused and
 * throw half-way; vd_index_reopen must go again, not give up. */
struct committer {
	vd_index_t *w;
	atomic_int committed;
	atomic_bool done;
	bool failed;
};

static void *
commit_one_by_one(void *arg)
{
	struct committer *c = arg;
	char id[32], term[40];

	for (int i = 0; i < 400 && !c->failed; i++) {
		vd_doc_t *doc = vd_doc_new();
		snprintf(id, sizeof(id), "c-%d", i);
		snprintf(term, sizeof(term), "Qj%s", id);
		c->failed = !doc || !vd_doc_add_term(doc, term) || !vd_doc_add_term(doc, "Tj") ||
		            !vd_doc_set_data(doc, term, strlen(term)) ||
		            vd_index_replace(c->w, term, doc, NULL) != VD_OK ||
		            vd_index_commit(c->w) != VD_OK;
		vd_doc_free(doc);
		atomic_store(&c->committed, i + 1);
	}
	atomic_store(&c->done, true);
	return NULL;
}

START_TEST(reopen_during_commits_sees_what_was_committed)
{
	struct committer c = {.failed = false};
	vd_index_t *r = NULL;
	pthread_t thread;
	unsigned n = 0;
	int reopens = 0;

	ck_assert_int_eq(vd_index_open_writer(dir, &c.w, NULL), VD_OK);
	ck_assert_int_eq(vd_index_commit(c.w), VD_OK);
	ck_assert_int_eq(vd_index_open_reader(dir, &r, NULL), VD_OK);
	atomic_init(&c.committed, 0);
	atomic_init(&c.done, false);
	ck_assert_int_eq(pthread_create(&thread, NULL, commit_one_by_one, &c), 0);
	while (!atomic_load(&c.done)) {
		int before = atomic_load(&c.committed);
		ck_assert_int_eq(vd_index_reopen(r), VD_OK);
		ck_assert_int_eq(vd_index_doc_count(r, &n), VD_OK);
		ck_assert_msg((int)n >= before, "reopened after %d commits, sees %u documents",
		              before, n);
		reopens++;
	}
	pthread_join(thread, NULL);
	ck_assert(!c.failed);
	ck_assert_int_gt(reopens, 0);
	vd_index_close(r);
	vd_index_close(c.w);
}
END_TEST

START_TEST(second_writer_is_locked_out)
{
	vd_index_t *w = NULL, *second = NULL;
	char *error = NULL;

	ck_assert_int_eq(vd_index_open_writer(dir, &w, NULL), VD_OK);
	ck_assert_int_eq(vd_index_open_writer(dir, &second, &error), VD_ERR_LOCKED);
	ck_assert_ptr_null(second);
	ck_assert_ptr_nonnull(error);
	free(error);
	vd_index_close(w);
}
END_TEST

START_TEST(missing_database_is_an_error_not_a_throw)
{
	vd_index_t *r = NULL;
	char *error = NULL;
	char path[96];

	snprintf(path, sizeof(path), "%s/nothing-here", dir);
	ck_assert_int_ne(vd_index_open_reader(path, &r, &error), VD_OK);
	ck_assert_ptr_null(r);
	ck_assert_ptr_nonnull(error);
	free(error);
}
END_TEST

static Suite *
index_suite(void)
{
	Suite *s = suite_create("index");
	TCase *tc = tcase_create("xapian");

	tcase_add_checked_fixture(tc, make_dir, remove_dir);
	tcase_set_timeout(tc, 60); /* 400 fsync'd commits on a busy disk */
	tcase_add_test(tc, commit_makes_writes_visible);
	tcase_add_test(tc, replace_keeps_docid_and_delete_reports_it);
	tcase_add_test(tc, add_indexes_a_new_document);
	tcase_add_test(tc, postings_terms_and_values);
	tcase_add_test(tc, data_is_a_value_and_old_documents_still_read);
	tcase_add_test(tc, reopen_during_commits_sees_what_was_committed);
	tcase_add_test(tc, second_writer_is_locked_out);
	tcase_add_test(tc, missing_database_is_an_error_not_a_throw);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(index_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
