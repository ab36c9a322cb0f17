// The only C++ in vaardig: Xapian behind the C interface of index.h.
// Every exported function catches everything at the boundary, so no
// exception unwinds through libevent's C frames.
#include "config.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include <xapian.h>

#include "index.h"

struct vd_index {
	Xapian::Database *db = nullptr;          // reader, or the writer seen as a reader
	Xapian::WritableDatabase *wdb = nullptr; // writer only
	std::string dir;
	std::string last_error;
	// Writer only: each batch runs in a transaction, so that a failed one
	// can be discarded (close() and the destructor would commit it).
	bool in_txn = false;
	vd_status_t failed = VD_OK; // a change in this batch failed: it must not commit
};

static char *
dup_cstr(const std::string &s)
{
	char *copy = static_cast<char *>(malloc(s.size() + 1));
	if (copy) {
		memcpy(copy, s.data(), s.size());
		copy[s.size()] = '\0';
	}
	return copy;
}

static vd_status_t
from_xapian(vd_index_t *index, const Xapian::Error &e)
{
	std::string msg = e.get_description();
	if (index)
		index->last_error = msg;
	// Xapian::Error is not polymorphic; its type name tells the class.
	const std::string type = e.get_type();
	if (type == "DatabaseLockError")
		return VD_ERR_LOCKED;
	if (type == "DatabaseCorruptError")
		return VD_ERR_CORRUPT;
	if (type == "DatabaseModifiedError")
		return VD_ERR_MODIFIED;
	if (type == "DocNotFoundError")
		return VD_ERR_NOT_FOUND;
	if (msg.find("No space left") != std::string::npos)
		return VD_ERR_NO_SPACE;
	if (type == "DatabaseOpeningError" || type == "DatabaseNotFoundError")
		return VD_ERR_IO;
	return VD_ERR_XAPIAN;
}

// Wraps the body of every exported function: maps exceptions to codes.
#define VD_TRY try {
#define VD_CATCH(index)                                                                            \
	}                                                                                          \
	catch (const Xapian::Error &e)                                                             \
	{                                                                                          \
		return from_xapian(index, e);                                                      \
	}                                                                                          \
	catch (const std::bad_alloc &)                                                             \
	{                                                                                          \
		if (index)                                                                         \
			(index)->last_error = "out of memory";                                     \
		return VD_ERR_NOMEM;                                                               \
	}                                                                                          \
	catch (...)                                                                                \
	{                                                                                          \
		if (index)                                                                         \
			(index)->last_error = "unexpected C++ exception";                          \
		return VD_ERR_XAPIAN;                                                              \
	}

// Readers see one revision; when the writer has committed twice since,
// Xapian discards it and throws DatabaseModifiedError. Reopen and read again:
// a newer committed revision is as good an answer. A reader that lags can
// also meet blocks the writer has already reused and report them as corrupt
// ("Expected block N to be level 1", "EOF reading block"; seen under load in
// the durability test): that too is retried after a reopen, a few times, and
// reported only when the newest revision reads the same.
template <typename Read>
static vd_status_t
read_retrying(vd_index_t *index, Read read)
{
	int stale = 0;
	for (int attempt = 0;; attempt++) {
		try {
			return read();
		} catch (const Xapian::DatabaseModifiedError &e) {
			if (attempt == 100)
				return from_xapian(index, e);
		} catch (const Xapian::DatabaseError &e) {
			if (++stale > 3)
				return from_xapian(index, e);
		}
		try {
			index->db->reopen();
		} catch (const Xapian::Error &) {
			// A commit landed while reopening, too: go round again.
		}
	}
}

static vd_status_t
open_index(const char *dir, bool writable, vd_index_t **out, char **error)
{
	vd_index_t *index = nullptr;
	*out = nullptr;
	if (error)
		*error = nullptr;
	try {
		index = new vd_index;
		index->dir = dir;
		if (writable) {
			index->wdb = new Xapian::WritableDatabase(dir, Xapian::DB_CREATE_OR_OPEN);
			index->db = index->wdb;
		} else {
			index->db = new Xapian::Database(dir);
		}
		*out = index;
		return VD_OK;
	} catch (const Xapian::Error &e) {
		vd_status_t status = from_xapian(index, e);
		if (error)
			*error = dup_cstr(e.get_description());
		delete index;
		return status;
	} catch (...) {
		if (error)
			*error = dup_cstr("out of memory");
		delete index;
		return VD_ERR_NOMEM;
	}
}

extern "C" vd_status_t
vd_index_open_writer(const char *dir, vd_index_t **out, char **error)
{
	return open_index(dir, true, out, error);
}

extern "C" vd_status_t
vd_index_open_reader(const char *dir, vd_index_t **out, char **error)
{
	return open_index(dir, false, out, error);
}

extern "C" void
vd_index_close(vd_index_t *index)
{
	if (!index)
		return;
	try {
		if (index->wdb)
			index->wdb->close();
	} catch (...) {
		// Closing discards nothing that was committed; nothing to report.
	}
	delete index->db; // the writer, when there is one
	delete index;
}

extern "C" const char *
vd_index_last_error(const vd_index_t *index)
{
	return index->last_error.c_str();
}

static Xapian::Document
to_xapian(const vd_doc_t *doc)
{
	Xapian::Document xdoc;
	for (size_t i = 0; i < vd_doc_n_terms(doc); i++)
		xdoc.add_boolean_term(vd_doc_term(doc, i));
	for (unsigned slot = 0; slot < 8; slot++) {
		const char *value = vd_doc_value(doc, slot);
		if (value)
			xdoc.add_value(slot, value);
	}
	size_t len = 0;
	const char *data = vd_doc_data(doc, &len);
	if (data)
		xdoc.add_value(VD_SLOT_DATA, std::string(data, len));
	return xdoc;
}

// Documents written before the data moved to VD_SLOT_DATA keep it as
// Xapian's document data.
static std::string
data_of(const Xapian::Document &xdoc)
{
	std::string data = xdoc.get_value(VD_SLOT_DATA);
	return data.empty() ? xdoc.get_data() : data;
}

// A document made ready for the writer: building it is a good part of a
// write's cost, and a bulk load does it on its reader thread.
struct vd_xdoc {
	Xapian::Document doc;
};

extern "C" vd_xdoc_t *
vd_xdoc_new(const vd_doc_t *doc)
{
	try {
		return new vd_xdoc{to_xapian(doc)};
	} catch (...) {
		return nullptr; // only std::bad_alloc can come from building a document
	}
}

extern "C" void
vd_xdoc_free(vd_xdoc_t *xdoc)
{
	delete xdoc;
}

// A change that throws may have written part of itself (a full disk fails
// a block write half-way): the batch it belongs to is then never committed.
template <typename Change>
static vd_status_t
change(vd_index_t *index, Change apply)
{
	if (!index->wdb) {
		index->last_error = "the database could not be reopened after a failed commit";
		return VD_ERR_IO;
	}
	VD_TRY
	if (!index->in_txn) {
		index->wdb->begin_transaction(true);
		index->in_txn = true;
	}
	apply();
	return VD_OK;
	VD_CATCH(index)
}

extern "C" vd_status_t
vd_index_replace_prepared(vd_index_t *index, const char *unique_term, const vd_xdoc_t *xdoc,
                          vd_docid_t *docid)
{
	vd_status_t status = change(index, [&]() {
		Xapian::docid id = index->wdb->replace_document(unique_term, xdoc->doc);
		if (docid)
			*docid = id;
	});
	if (index->failed == VD_OK)
		index->failed = status;
	return status;
}

extern "C" vd_status_t
vd_index_add_prepared(vd_index_t *index, const vd_xdoc_t *xdoc, vd_docid_t *docid)
{
	vd_status_t status = change(index, [&]() {
		Xapian::docid id = index->wdb->add_document(xdoc->doc);
		if (docid)
			*docid = id;
	});
	if (index->failed == VD_OK)
		index->failed = status;
	return status;
}

// Without a document, a change fails as one that ran out of memory would.
static vd_status_t
unprepared(vd_index_t *index)
{
	index->last_error = "out of memory";
	if (index->failed == VD_OK)
		index->failed = VD_ERR_NOMEM;
	return VD_ERR_NOMEM;
}

extern "C" vd_status_t
vd_index_replace(vd_index_t *index, const char *unique_term, const vd_doc_t *doc, vd_docid_t *docid)
{
	vd_xdoc_t *xdoc = vd_xdoc_new(doc);
	vd_status_t status =
	    xdoc ? vd_index_replace_prepared(index, unique_term, xdoc, docid) : unprepared(index);
	vd_xdoc_free(xdoc);
	return status;
}

extern "C" vd_status_t
vd_index_add(vd_index_t *index, const vd_doc_t *doc, vd_docid_t *docid)
{
	vd_xdoc_t *xdoc = vd_xdoc_new(doc);
	vd_status_t status = xdoc ? vd_index_add_prepared(index, xdoc, docid) : unprepared(index);
	vd_xdoc_free(xdoc);
	return status;
}

extern "C" vd_status_t
vd_index_delete(vd_index_t *index, const char *unique_term, vd_docid_t *docid)
{
	vd_status_t status = change(index, [&]() {
		Xapian::PostingIterator it = index->wdb->postlist_begin(unique_term);
		*docid = it == index->wdb->postlist_end(unique_term) ? 0 : *it;
		if (*docid)
			index->wdb->delete_document(*docid);
	});
	if (index->failed == VD_OK)
		index->failed = status;
	return status;
}

// Xapian fsyncs its files but not the directory after renaming the new
// version file into place; without this a crash could lose the revision.
static vd_status_t
sync_dir(vd_index_t *index)
{
	int fd = open(index->dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		int err = errno;
		index->last_error = "fsync of " + index->dir + ": " + strerror(err);
		if (fd >= 0)
			close(fd);
		return err == ENOSPC ? VD_ERR_NO_SPACE : VD_ERR_IO;
	}
	close(fd);
	return VD_OK;
}

// After a failed commit the writer's state is unknown: reopen it so that
// the batch's changes are dropped and the next batch starts clean. The
// transaction is cancelled first: close() would commit it.
static void
reopen_writer(vd_index_t *index)
{
	if (index->wdb && index->in_txn) {
		try {
			index->wdb->cancel_transaction();
		} catch (...) {
			// Cancelled anyway, says Xapian; close() aborts it if not.
		}
	}
	index->in_txn = false;
	index->failed = VD_OK;
	try {
		if (index->wdb)
			index->wdb->close();
	} catch (...) {
	}
	delete index->wdb;
	index->wdb = nullptr;
	index->db = nullptr;
	try {
		index->wdb = new Xapian::WritableDatabase(index->dir, Xapian::DB_CREATE_OR_OPEN);
		index->db = index->wdb;
	} catch (...) {
		// Left closed: every later call fails and reports, nothing crashes.
	}
}

extern "C" vd_status_t
vd_index_commit(vd_index_t *index)
{
	vd_status_t status;
	if (index->failed != VD_OK) {
		// last_error still names the change that failed.
		status = index->failed;
		reopen_writer(index);
		return status;
	}
	if (!index->wdb) {
		reopen_writer(index);
		if (!index->wdb) {
			index->last_error =
			    "the database could not be reopened after a failed commit";
			return VD_ERR_IO;
		}
	}
	try {
		if (index->in_txn) {
			index->in_txn = false;
			index->wdb->commit_transaction(); // a flushed one: on disk now
		} else {
			index->wdb->commit();
		}
		return sync_dir(index);
	} catch (const Xapian::Error &e) {
		status = from_xapian(index, e);
	} catch (...) {
		index->last_error = "unexpected error in commit";
		status = VD_ERR_XAPIAN;
	}
	reopen_writer(index);
	return status;
}

// A commit can land while a reader reopens, and the next one reuse the
// blocks it was opening: Xapian then throws ("Expected block N to be level
// 1", seen under CPU contention) and may leave the handle between revisions.
// Go again, as a read does: callers need the newest revision (the store
// reopens before it answers writes, so that what was answered is read back).
extern "C" vd_status_t
vd_index_reopen(vd_index_t *index)
{
	VD_TRY
	return read_retrying(index, [&]() -> vd_status_t {
		index->db->reopen();
		return VD_OK;
	});
	VD_CATCH(index)
}

extern "C" vd_status_t
vd_index_get(vd_index_t *index, const char *unique_term, char **data, size_t *len,
             vd_docid_t *docid)
{
	VD_TRY
	return read_retrying(index, [&]() -> vd_status_t {
		Xapian::PostingIterator it = index->db->postlist_begin(unique_term);
		if (it == index->db->postlist_end(unique_term))
			return VD_ERR_NOT_FOUND;
		Xapian::docid id = *it;
		if (docid)
			*docid = id;
		if (data) {
			std::string d =
			    data_of(index->db->get_document(id, Xapian::DOC_ASSUME_VALID));
			*data = dup_cstr(d);
			if (!*data)
				return VD_ERR_NOMEM;
			if (len)
				*len = d.size();
		}
		return VD_OK;
	});
	VD_CATCH(index)
}

extern "C" vd_status_t
vd_index_get_by_docid(vd_index_t *index, vd_docid_t docid, char **data, size_t *len)
{
	VD_TRY
	return read_retrying(index, [&]() -> vd_status_t {
		std::string d = data_of(index->db->get_document(docid));
		*data = dup_cstr(d);
		if (!*data)
			return VD_ERR_NOMEM;
		if (len)
			*len = d.size();
		return VD_OK;
	});
	VD_CATCH(index)
}

extern "C" vd_status_t
vd_index_doc_count(vd_index_t *index, unsigned *count)
{
	VD_TRY
	return read_retrying(index, [&]() -> vd_status_t {
		*count = index->db->get_doccount();
		return VD_OK;
	});
	VD_CATCH(index)
}

extern "C" vd_status_t
vd_index_term_count(vd_index_t *index, const char *term, unsigned *count)
{
	VD_TRY
	return read_retrying(index, [&]() -> vd_status_t {
		*count = index->db->get_termfreq(term);
		return VD_OK;
	});
	VD_CATCH(index)
}

extern "C" vd_status_t
vd_index_postings(vd_index_t *index, const char *term, vd_docid_cb cb, void *arg)
{
	Xapian::docid last = 0; // a retry resumes after what was delivered
	VD_TRY
	return read_retrying(index, [&]() -> vd_status_t {
		for (Xapian::PostingIterator it = index->db->postlist_begin(term);
		     it != index->db->postlist_end(term); ++it) {
			if (*it <= last)
				continue;
			last = *it;
			cb(last, arg);
		}
		return VD_OK;
	});
	VD_CATCH(index)
}

extern "C" vd_status_t
vd_index_terms(vd_index_t *index, const char *prefix, vd_term_cb cb, void *arg)
{
	std::string last; // a retry resumes after what was delivered
	VD_TRY
	return read_retrying(index, [&]() -> vd_status_t {
		for (Xapian::TermIterator it = index->db->allterms_begin(prefix);
		     it != index->db->allterms_end(prefix); ++it) {
			if (!last.empty() && *it <= last)
				continue;
			last = *it;
			cb(last.c_str(), arg);
		}
		return VD_OK;
	});
	VD_CATCH(index)
}

extern "C" vd_status_t
vd_index_value_at_most(vd_index_t *index, const char *type_term, unsigned slot, const char *max,
                       vd_docid_cb cb, void *arg)
{
	Xapian::docid last = 0;
	VD_TRY
	return read_retrying(index, [&]() -> vd_status_t {
		Xapian::Enquire enquire(*index->db);
		Xapian::Query query(Xapian::Query::OP_FILTER, Xapian::Query(type_term),
		                    Xapian::Query(Xapian::Query::OP_VALUE_LE, slot, max));
		enquire.set_query(query);
		enquire.set_weighting_scheme(Xapian::BoolWeight());
		enquire.set_docid_order(Xapian::Enquire::ASCENDING);
		Xapian::MSet mset = enquire.get_mset(0, index->db->get_doccount());
		for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it) {
			// OP_VALUE_LE also matches an empty value; skip those.
			if (*it <= last || it.get_document().get_value(slot).empty())
				continue;
			last = *it;
			cb(last, arg);
		}
		return VD_OK;
	});
	VD_CATCH(index)
}

extern "C" vd_status_t
vd_index_value(vd_index_t *index, vd_docid_t docid, unsigned slot, char **value)
{
	VD_TRY
	return read_retrying(index, [&]() -> vd_status_t {
		std::string v = index->db->get_document(docid).get_value(slot);
		*value = dup_cstr(v);
		return *value ? VD_OK : VD_ERR_NOMEM;
	});
	VD_CATCH(index)
}

extern "C" vd_status_t
vd_index_values(vd_index_t *index, unsigned slot, vd_value_cb cb, void *arg)
{
	Xapian::docid last = 0; // a retry resumes after what was delivered
	VD_TRY
	return read_retrying(index, [&]() -> vd_status_t {
		for (Xapian::ValueIterator it = index->db->valuestream_begin(slot);
		     it != index->db->valuestream_end(slot); ++it) {
			if (it.get_docid() <= last)
				continue;
			last = it.get_docid();
			const std::string v = *it;
			cb(last, v.c_str(), v.size(), arg);
		}
		return VD_OK;
	});
	VD_CATCH(index)
}
