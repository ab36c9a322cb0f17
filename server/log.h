/* One event per line on stderr, with a syslog priority prefix that journald
 * understands ("<3>" error, "<4>" warning, "<6>" info). */
#ifndef VD_LOG_H
#define VD_LOG_H

#define vd_log_error(...) vd_log(3, __VA_ARGS__)
#define vd_log_warn(...)  vd_log(4, __VA_ARGS__)
#define vd_log_info(...)  vd_log(6, __VA_ARGS__)

void vd_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
