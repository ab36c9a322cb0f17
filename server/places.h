/* The gazetteer: current Dutch municipalities with coordinates (data/places/). */
#ifndef VD_PLACES_H
#define VD_PLACES_H

#include <stddef.h>

#include "status.h"

typedef struct vd_places vd_places_t;

typedef struct vd_municipality {
	const char *code; /* CBS code, "GM0599" */
	const char *name; /* official name, "Rotterdam" */
	const char *province;
	double lat, lon; /* main woonplaats */
	long population;
	unsigned index; /* 0 .. n-1, stable while the server runs */
} vd_municipality_t;

/* Loads data_dir/places/gemeenten.csv and aliases.csv (and woonplaatsen.csv
 * for names of places inside a municipality). *error as in vd_taxonomy_load. */
vd_status_t vd_places_load(const char *data_dir, vd_places_t **out, char **error);
void vd_places_free(vd_places_t *places);

/* By official name, alias ("Den Haag", "Den Bosch"), CBS code ("GM0599") or
 * woonplaats name, case- and diacritics-insensitive. NULL when unknown. */
const vd_municipality_t *vd_places_lookup(const vd_places_t *places, const char *name);

size_t vd_places_count(const vd_places_t *places);
const vd_municipality_t *vd_places_at(const vd_places_t *places, size_t index);

/* Up to max official names closest to name, best first (borrowed). */
size_t vd_places_suggest(const vd_places_t *places, const char *name, const char **out, size_t max);

/* Great-circle distance in km. */
double vd_distance_km(double lat1, double lon1, double lat2, double lon2);

/* The same distance through points on the unit sphere, so that a search
 * computes each person's point once and then needs no trigonometry to test
 * a radius: the squared chord between two points grows with their
 * great-circle distance, so d <= km exactly when chord2 <= vd_chord2_for_km(km). */
void vd_point_on_sphere(double lat, double lon, double out[3]);
double vd_chord2(const double a[3], const double b[3]);
double vd_chord2_for_km(double km);
/* The great-circle distance in km for a squared chord (equals vd_distance_km
 * of the two points up to rounding). */
double vd_chord2_km(double chord2);

#endif
