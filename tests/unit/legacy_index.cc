// Writes a document the way vaardig did before the canonical JSON moved to
// a value slot: as Xapian's document data. Xapian itself, so that the test
// reads a database in the old layout, not a simulation of one.
#include "config.h"

#include <xapian.h>

#include "legacy_index.h"

extern "C" bool
legacy_write_doc(const char *dir, const char *unique_term, const char *data)
{
	try {
		Xapian::WritableDatabase db(dir, Xapian::DB_CREATE_OR_OPEN);
		Xapian::Document doc;
		doc.add_boolean_term(unique_term);
		doc.set_data(data);
		db.replace_document(unique_term, doc);
		db.commit();
		return true;
	} catch (const Xapian::Error &) {
		return false;
	}
}
