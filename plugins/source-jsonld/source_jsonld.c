/* source-jsonld: vacancies from a folder of schema.org JobPosting JSON-LD, the
 * way vacancy sites publish them: *.json and *.jsonld files (one posting, an
 * array, an ItemList or an @graph) and saved *.html pages with the postings
 * in <script type="application/ld+json">. Changed files are read again on
 * the timer; vacancies of a vanished file are withdrawn; a file that cannot
 * be read is named in the plugin's details and skipped (a file that was
 * good before keeps its vacancies until it is fixed or removed).
 *
 * Config: {"dir": "/var/lib/vaardig/postings", "interval_s": 300}. Without
 * "dir" the plugin is loaded but idle. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "source.h"

#define MAX_FILE_BYTES (16 * 1024 * 1024)

typedef struct jsonld {
	const vd_host_t *host;
	char *dir;
	unsigned interval_s;
	vd_src_tax_t *tax;
	vd_src_t *src;
	json_t *cache; /* {file: {"mtime", "size", "items": [...], "error"?}} */
} jsonld_t;

/* ---- reading files ----------------------------------------------------- */

static char *
read_file(const char *path, size_t *len, char *why, size_t why_len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;

	if (!f) {
		snprintf(why, why_len, "cannot be opened: %m");
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || size > MAX_FILE_BYTES ||
	    fseek(f, 0, SEEK_SET) != 0) {
		snprintf(why, why_len, "cannot be read, or larger than %d bytes", MAX_FILE_BYTES);
	} else if ((buf = malloc((size_t)size + 1)) &&
	           fread(buf, 1, (size_t)size, f) == (size_t)size) {
		buf[size] = '\0';
		*len = (size_t)size;
	} else {
		snprintf(why, why_len, "cannot be read");
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* "JobPosting", "schema:JobPosting", "https://schema.org/JobPosting". */
static bool
type_is(const json_t *node, const char *type)
{
	const json_t *t = json_object_get(node, "@type");
	size_t i, n = json_is_array(t) ? json_array_size(t) : 1;

	for (i = 0; i < n; i++) {
		const char *s = json_string_value(json_is_array(t) ? json_array_get(t, i) : t);
		const char *slash = s ? strrchr(s, '/') : NULL, *colon = s ? strrchr(s, ':') : NULL;
		if (slash)
			s = slash + 1;
		else if (colon)
			s = colon + 1;
		if (s && strcmp(s, type) == 0)
			return true;
	}
	return false;
}

/* Every JobPosting in node, appended (borrowed references) to out. */
static void
collect_postings(json_t *node, json_t *out, int depth)
{
	size_t i;
	json_t *v;

	if (depth > 8)
		return;
	if (json_is_array(node)) {
		json_array_foreach(node, i, v) collect_postings(v, out, depth + 1);
	} else if (type_is(node, "JobPosting")) {
		json_array_append(out, node);
	} else if (type_is(node, "ItemList")) {
		json_array_foreach(json_object_get(node, "itemListElement"), i, v)
		{
			json_t *item = json_object_get(v, "item");
			collect_postings(item ? item : v, out, depth + 1);
		}
	} else if (json_object_get(node, "@graph")) {
		collect_postings(json_object_get(node, "@graph"), out, depth + 1);
	}
}

static bool
parse_json(const char *text, size_t len, json_t *postings, char *why, size_t why_len)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, 0, &jerr);

	if (!root) {
		snprintf(why, why_len, "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
		return false;
	}
	collect_postings(root, postings, 0);
	json_decref(root);
	return true;
}

/* <script type="application/ld+json">, attribute quoting and case as pages
 * write them. */
static bool
is_ld_script(const char *tag, size_t len)
{
	char *attrs = strndup(tag, len);
	bool yes;

	for (char *c = attrs; c && *c; c++)
		*c = (char)((*c >= 'A' && *c <= 'Z') ? *c + 32 : *c);
	yes = attrs && strstr(attrs, "application/ld+json") && strstr(attrs, "type");
	free(attrs);
	return yes;
}

static bool
parse_html(const char *text, json_t *postings, char *why, size_t why_len)
{
	const char *p = text;
	int blocks = 0, bad = 0;
	char one[300];

	why[0] = '\0';
	while ((p = strcasestr(p, "<script"))) {
		const char *tag_end = strchr(p, '>'), *end;
		if (!tag_end)
			break;
		end = strcasestr(tag_end, "</script");
		if (!end)
			break;
		if (is_ld_script(p, (size_t)(tag_end - p))) {
			blocks++;
			if (!parse_json(tag_end + 1, (size_t)(end - tag_end - 1), postings, one,
			                sizeof(one))) {
				bad++;
				snprintf(why + strlen(why), why_len - strlen(why),
				         "%sscript block %d: %s", bad > 1 ? "; " : "", blocks, one);
			}
		}
		p = end;
	}
	if (!blocks)
		snprintf(why, why_len, "no <script type=\"application/ld+json\"> in the page");
	return blocks > bad;
}

/* ---- mapping a posting ------------------------------------------------- */

/* The text of a schema.org value: a string, a number, an object's name or
 * value or description, or an array of these, joined with "; ". New. */
static char *
text_of(const json_t *v)
{
	/* A CategoryCode's code says more than its name ("8322" against
	 * "Chauffeurs van auto's, taxi's en bestelwagens"). */
	static const char *const keys[] = {"codeValue", "name", "value", "credentialCategory",
	                                   "description"};
	size_t i;
	json_t *e;
	char *out = NULL, *part, *joined;

	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (json_is_integer(v) && asprintf(&out, "%lld", (long long)json_integer_value(v)) >= 0)
		return out;
	if (json_is_object(v)) {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if ((out = text_of(json_object_get(v, keys[i]))))
				return out;
		return NULL;
	}
	json_array_foreach(v, i, e)
	{
		if (!(part = text_of(e)))
			continue;
		if (!out) {
			out = part;
			continue;
		}
		if (asprintf(&joined, "%s; %s", out, part) < 0)
			joined = NULL;
		free(out);
		free(part);
		out = joined;
	}
	return out;
}

static const json_t *
first_of(const json_t *v)
{
	return json_is_array(v) ? json_array_get(v, 0) : v;
}

/* The identifier for the id: identifier.value, identifier, or file and
 * position. New. */
static char *
identifier_of(const json_t *posting, const char *file, size_t position)
{
	const json_t *id = first_of(json_object_get(posting, "identifier"));
	char *text = json_is_object(id) ? text_of(json_object_get(id, "value")) : text_of(id);

	if ((!text || !*text) && asprintf(&text, "%s-%zu", file, position) < 0)
		text = NULL;
	return text;
}

static void
map_place(const json_t *posting, json_t *vacancy)
{
	const json_t *place = first_of(json_object_get(posting, "jobLocation"));
	const json_t *address = json_object_get(place, "address");
	const char *locality =
	    json_string_value(json_object_get(first_of(address), "addressLocality"));

	char *clean = vd_src_clean(locality);

	if (clean && *clean)
		json_object_set_new(vacancy, "municipality", json_string(clean));
	free(clean);
}

static void
map_numbers(const json_t *posting, json_t *vacancy)
{
	const json_t *hours = json_object_get(posting, "workHours");
	const json_t *openings = json_object_get(posting, "totalJobOpenings");
	char *text = text_of(hours);
	double n;

	if (text && vd_src_number(text, &n) && n >= 1 && n <= 80)
		json_object_set_new(vacancy, "hours_per_week",
		                    n == (json_int_t)n ? json_integer((json_int_t)n)
		                                       : json_real(n));
	free(text);
	text = text_of(openings);
	if (text && vd_src_number(text, &n) && n >= 1 && n <= 10000)
		json_object_set_new(vacancy, "openings", json_integer((json_int_t)n));
	free(text);
}

static void
map_requirements(jsonld_t *p, const json_t *posting, json_t *vacancy)
{
	static const char *const hard[] = {"qualifications", "educationRequirements"};
	json_t *found = json_array();
	const char *occupation = json_string_value(json_object_get(vacancy, "occupation"));
	char *text;
	char term[200];

	for (size_t i = 0; i < 2; i++) {
		text = text_of(json_object_get(posting, hard[i]));
		if (text)
			vd_src_scan(p->tax, text, found);
		free(text);
	}
	vd_src_add_require(vacancy, found);
	json_array_clear(found);
	text = text_of(json_object_get(posting, "skills"));
	if (text)
		vd_src_scan(p->tax, text, found);
	free(text);
	if (occupation && json_object_get(posting, "experienceRequirements")) {
		snprintf(term, sizeof(term), "experience:%s", occupation);
		json_array_append_new(found, json_pack("[s]", term));
	}
	vd_src_add_prefer(vacancy, found);
	json_decref(found);
}

/* A title cut to what a vacancy holds (300 bytes), on a character boundary. */
static json_t *
title_of(const char *title)
{
	size_t n = strlen(title);

	if (n > 300) {
		n = 300;
		while (n > 0 && ((unsigned char)title[n] & 0xc0) == 0x80)
			n--;
	}
	return json_stringn(title, n);
}

/* The vacancy for one posting (new), or NULL with why filled in. */
static json_t *
map_posting(jsonld_t *p, const json_t *posting, const char *file, size_t position, char *why,
            size_t why_len)
{
	char *raw = text_of(json_object_get(posting, "title"));
	char *title = vd_src_clean(raw);
	char *category = text_of(first_of(json_object_get(posting, "occupationalCategory")));
	char *ident = NULL, *employer = NULL, *through = NULL;
	char id[65], date[11];
	const char *occupation;
	json_t *vacancy = NULL;

	if (!title || !*title) {
		snprintf(why, why_len, "a JobPosting needs a title");
		goto out;
	}
	through = text_of(json_object_get(posting, "validThrough"));
	if (through && !vd_src_date(through, date)) {
		snprintf(why, why_len, "validThrough '%.40s' is not a date", through);
		goto out;
	}
	ident = identifier_of(posting, file, position);
	p->host->vacancy_id(p->host, ident ? ident : file, id);
	vacancy = json_pack("{s:s, s:o}", "id", id, "title", title_of(title));
	occupation = vd_src_occupation(p->tax, category, title);
	if (occupation)
		json_object_set_new(vacancy, "occupation", json_string(occupation));
	map_place(posting, vacancy);
	map_numbers(posting, vacancy);
	free(raw);
	raw = text_of(first_of(json_object_get(posting, "hiringOrganization")));
	employer = vd_src_clean(raw);
	if (employer && *employer && strlen(employer) <= 300)
		json_object_set_new(vacancy, "employer", json_string(employer));
	if (through)
		json_object_set_new(vacancy, "valid_through", json_string(date));
	map_requirements(p, posting, vacancy);
out:
	free(raw);
	free(title);
	free(category);
	free(ident);
	free(employer);
	free(through);
	return vacancy;
}

/* Reads and maps one file: {"mtime", "size", "items": [{"label", "vacancy"
 * | "error"}], "error"?}, new. */
static json_t *
read_postings(jsonld_t *p, const char *name, const struct stat *st)
{
	char path[4096], why[600];
	json_t *entry = json_pack("{s:f, s:I, s:[]}", "mtime", (double)st->st_mtime, "size",
	                          (json_int_t)st->st_size, "items");
	json_t *postings = json_array(), *posting;
	const char *ext = strrchr(name, '.');
	size_t len = 0, i;
	char *text;

	snprintf(path, sizeof(path), "%s/%s", p->dir, name);
	why[0] = '\0';
	text = read_file(path, &len, why, sizeof(why));
	if (text && strlen(text) != len)
		snprintf(why, sizeof(why), "the file holds a NUL byte: not text");
	else if (text && strncasecmp(ext, ".htm", 4) == 0)
		parse_html(text, postings, why, sizeof(why));
	else if (text)
		parse_json(text, len, postings, why, sizeof(why));
	if (text && !why[0] && json_array_size(postings) == 0)
		snprintf(why, sizeof(why), "no JobPosting in the file");
	if (why[0])
		json_object_set_new(entry, "error", json_string(why));
	json_array_foreach(postings, i, posting)
	{
		char label[40];
		json_t *vacancy = map_posting(p, posting, name, i + 1, why, sizeof(why));
		snprintf(label, sizeof(label), "posting %zu", i + 1);
		json_array_append_new(
		    json_object_get(entry, "items"),
		    vacancy ? json_pack("{s:s, s:o}", "label", label, "vacancy", vacancy)
		            : json_pack("{s:s, s:s}", "label", label, "error", why));
	}
	json_decref(postings);
	free(text);
	return entry;
}

/* ---- polling ----------------------------------------------------------- */

static bool
wanted(const char *name)
{
	const char *ext = strrchr(name, '.');
	return name[0] != '.' && ext &&
	       (strcasecmp(ext, ".json") == 0 || strcasecmp(ext, ".jsonld") == 0 ||
	        strcasecmp(ext, ".html") == 0 || strcasecmp(ext, ".htm") == 0);
}

/* The file's entry: the cached one while mtime and size hold. A file that
 * turned bad keeps the postings it had, with the new error. New reference. */
static json_t *
entry_for(jsonld_t *p, const char *name, const struct stat *st)
{
	json_t *cached = json_object_get(p->cache, name), *fresh;

	if (cached && json_real_value(json_object_get(cached, "mtime")) == (double)st->st_mtime &&
	    json_integer_value(json_object_get(cached, "size")) == (json_int_t)st->st_size)
		return json_incref(cached);
	fresh = read_postings(p, name, st);
	if (cached && json_object_get(fresh, "error") &&
	    json_array_size(json_object_get(fresh, "items")) == 0)
		json_object_set(fresh, "items", json_object_get(cached, "items"));
	return fresh;
}

static void
offer_entry(jsonld_t *p, const char *name, const json_t *entry)
{
	double mtime = json_real_value(json_object_get(entry, "mtime"));
	const char *error = json_string_value(json_object_get(entry, "error"));
	size_t i;
	json_t *item;

	if (error)
		vd_src_problem(p->src, name, "%s", error);
	json_array_foreach(json_object_get(entry, "items"), i, item)
	{
		const char *label = json_string_value(json_object_get(item, "label"));
		json_t *vacancy = json_object_get(item, "vacancy");
		if (vacancy)
			vd_src_offer(p->src, json_deep_copy(vacancy), name, label, mtime);
		else
			vd_src_problem(p->src, name, "%s: %s", label,
			               json_string_value(json_object_get(item, "error")));
	}
}

static int
poll_dir(void *state)
{
	jsonld_t *p = state;
	struct dirent **names = NULL;
	json_t *cache;
	int n;

	if (!p->dir)
		return 0;
	n = scandir(p->dir, &names, NULL, alphasort);
	if (n < 0) {
		/* Not "every file vanished": a missing mount withdraws nothing. */
		p->host->log(p->host, VD_LOG_ERROR, "cannot read the folder %s: %m", p->dir);
		return -1;
	}
	cache = json_object();
	vd_src_begin(p->src);
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", p->dir, names[i]->d_name);
		if (wanted(names[i]->d_name) && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			json_t *entry = entry_for(p, names[i]->d_name, &st);
			offer_entry(p, names[i]->d_name, entry);
			json_object_set_new(cache, names[i]->d_name, entry);
		}
		free(names[i]);
	}
	free(names);
	json_decref(p->cache);
	p->cache = cache;
	return vd_src_end(p->src);
}

/* ---- life cycle -------------------------------------------------------- */

static int
configure(jsonld_t *p, const char *config)
{
	json_error_t jerr;
	json_t *c = json_loads(config, 0, &jerr), *v;
	const char *key;
	int rc = 0;

	if (!json_is_object(c)) {
		p->host->log(p->host, VD_LOG_ERROR, "its config is not a JSON object");
		json_decref(c);
		return -1;
	}
	json_object_foreach(c, key, v)
	{
		if (strcmp(key, "dir") == 0 && json_is_string(v) && json_string_length(v)) {
			p->dir = strdup(json_string_value(v));
		} else if (strcmp(key, "interval_s") == 0 && json_is_integer(v) &&
		           json_integer_value(v) >= 1 && json_integer_value(v) <= 86400) {
			p->interval_s = (unsigned)json_integer_value(v);
		} else {
			p->host->log(p->host, VD_LOG_ERROR, "%s '%s' in its config",
			             strcmp(key, "dir") == 0 || strcmp(key, "interval_s") == 0
			                 ? "bad value for"
			                 : "unknown key",
			             key);
			rc = -1;
		}
	}
	json_decref(c);
	return rc;
}

static void
jsonld_fini(void *state)
{
	jsonld_t *p = state;

	if (!p)
		return;
	vd_src_free(p->src);
	vd_src_tax_free(p->tax);
	json_decref(p->cache);
	free(p->dir);
	free(p);
}

static int
jsonld_init(const vd_host_t *host, const char *config, void **state)
{
	jsonld_t *p = calloc(1, sizeof(*p));
	char *error = NULL;

	if (!p)
		return -1;
	p->host = host;
	p->interval_s = 300;
	p->cache = json_object();
	if (configure(p, config) != 0)
		goto fail;
	if (!p->dir) {
		host->log(host, VD_LOG_INFO, "no dir in its config: idle");
		*state = p;
		return 0;
	}
	p->tax = vd_src_tax_load(host->reference_dir(host), &error);
	p->src = vd_src_new(host);
	if (!p->tax || !p->src) {
		host->log(host, VD_LOG_ERROR, "cannot read the taxonomy: %s", error ? error : "");
		goto fail;
	}
	if (host->schedule(host, p->interval_s, poll_dir) != 0)
		goto fail;
	host->log(host, VD_LOG_INFO, "reading %s every %u s", p->dir, p->interval_s);
	*state = p;
	return 0;
fail:
	free(error);
	jsonld_fini(p);
	return -1;
}

const vd_plugin_t vaardig_plugin = {
    .abi_major = VD_PLUGIN_ABI_MAJOR,
    .abi_minor = VD_PLUGIN_ABI_MINOR,
    .name = "source-jsonld",
    .version = "1.0.0",
    .kinds = VD_PLUGIN_SOURCE,
    .init = jsonld_init,
    .fini = jsonld_fini,
    .source_poll = poll_dir,
};
