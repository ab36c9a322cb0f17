// Talking to vaardigd. The token is asked once and kept in sessionStorage:
// it lives as long as this browser tab and is never written to disk by us.

const TOKEN_KEY = "vaardig.token";

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

// A refused request: status 0 when the server could not be reached;
// problem is the RFC 9457 body ({detail, errors: [{pointer, detail, word,
// suggestions}]}) or {} when there was none.
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem && problem.detail ? problem.detail : "HTTP " + status);
    this.status = status;
    this.problem = problem || {};
  }
}

// Paths are relative ("v1/search"), so the page also works behind a proxy
// that serves vaardigd under a prefix.
export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  const token = getToken();
  if (token) headers.Authorization = "Bearer " + token;
  const init = { method, headers, cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, {});
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) {
    json = null;
  }
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

// Every page of a paged collection (the taxonomy, the vacancies).
export async function all(path) {
  const results = [];
  for (let page = 1; ; page++) {
    const sep = path.includes("?") ? "&" : "?";
    const answer = await api("GET", `${path}${sep}per_page=1000&page=${page}`);
    results.push(...answer.results);
    if (answer.results.length === 0 || results.length >= answer.total) return results;
  }
}
