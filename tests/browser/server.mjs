// The real vaardigd for the browser tests: a temporary data folder, a
// synthetic population loaded with `vaardigd --import`, the plugins that are
// built, and a free loopback port. Paths come from the environment that
// scripts/browser-test.sh sets; by hand they default to the tree's build/.

import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const TOP = path.resolve(HERE, "..", "..");
const BUILD = process.env.VAARDIG_BUILD || path.join(TOP, "build");
const VAARDIGD = process.env.VAARDIGD || path.join(BUILD, "server", "vaardigd");
const VAARDIG_GEN = process.env.VAARDIG_GEN || path.join(BUILD, "server", "vaardig-gen");
const DATA = process.env.VAARDIG_DATA || path.join(TOP, "data");
// The plugins whose answers the page shows; each is used when it is built.
const PLUGINS = ["taalhandhaving", "werktaal"];

export const ROLES = ["employer-service", "caseworker", "admin"];

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// One request exactly as given: the path is sent as is (fetch would
// normalise "%2e%2e" away, and the tests need to send it).
export function rawRequest(port, method, target, headers = {}, body = null) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path: target, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json = null;
        try {
          json = text ? JSON.parse(text) : null;
        } catch (e) {
          json = null;
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on("error", reject);
    if (body !== null) req.write(body);
    req.end();
  });
}

export class Server {
  constructor({ profiles = 3000, seed = 11 } = {}) {
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vd-browser-"));
    this.dataDir = path.join(this.tmp, "data");
    fs.mkdirSync(this.dataDir);
    this.tokens = Object.fromEntries(ROLES.map((r) => [r, randomBytes(24).toString("hex")]));
    this.profiles = profiles;
    this.seed = seed;
    this.plugins = [];
    this.proc = null;
    this.port = null;
    this.log = path.join(this.tmp, "vaardigd.log");
  }

  get base() {
    return `http://127.0.0.1:${this.port}`;
  }

  // A plugins folder with the built modules, or none when none is built.
  pluginsDir() {
    const dir = path.join(this.tmp, "plugins");
    fs.mkdirSync(dir, { recursive: true });
    for (const name of PLUGINS) {
      const so = path.join(BUILD, "plugins", name, ".libs", name + ".so");
      if (fs.existsSync(so)) {
        fs.symlinkSync(so, path.join(dir, name + ".so"));
        this.plugins.push(name);
      }
    }
    return this.plugins.length ? dir : null;
  }

  writeConfig() {
    const names = { "employer-service": "wsp-test", caseworker: "km-test", admin: "beheer" };
    const config = {
      listen: `127.0.0.1:${this.port}`,
      data_dir: this.dataDir,
      reference_dir: DATA,
      tokens: ROLES.map((r) => ({
        name: names[r],
        role: r,
        sha256: createHash("sha256").update(this.tokens[r]).digest("hex"),
      })),
    };
    if (this.pluginsPath) config.plugins_dir = this.pluginsPath;
    this.config = path.join(this.tmp, "vaardigd.json");
    fs.writeFileSync(this.config, JSON.stringify(config, null, 1));
  }

  // Generates the population and imports it offline, as a first load is done.
  load() {
    const people = path.join(this.tmp, "people.ndjson");
    const gen = spawnSync(VAARDIG_GEN, ["--seed", String(this.seed), "--count", String(this.profiles),
      "--data", DATA], { maxBuffer: 1 << 30 });
    if (gen.status !== 0) throw new Error(`vaardig-gen failed: ${gen.stderr}`);
    fs.writeFileSync(people, gen.stdout);
    const imp = spawnSync(VAARDIGD, ["--import", people, "--config", this.config], { encoding: "utf8" });
    if (imp.status !== 0) throw new Error(`vaardigd --import exited with ${imp.status}: ${imp.stdout} ${imp.stderr}`);
    const answer = JSON.parse(imp.stdout);
    if (answer.created !== this.profiles) throw new Error(`import created ${answer.created} of ${this.profiles}`);
  }

  async start() {
    this.pluginsPath = this.pluginsDir();
    for (let attempt = 0; attempt < 3; attempt++) {
      this.port = await freePort();
      this.writeConfig();
      if (attempt === 0) this.load();
      const log = fs.openSync(this.log, "a");
      this.proc = spawn(VAARDIGD, ["--config", this.config], { stdio: ["ignore", log, log] });
      fs.closeSync(log);
      if (await this.ready()) return this;
      if (!fs.readFileSync(this.log, "utf8").includes("cannot listen")) break;
    }
    throw new Error("vaardigd did not start:\n" + this.logText());
  }

  async ready() {
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) return false;
      try {
        const r = await rawRequest(this.port, "GET", "/v1/health");
        if (r.status === 200) return true;
      } catch (e) {
        // not listening yet
      }
      await sleep(100);
    }
    return false;
  }

  logText() {
    try {
      return fs.readFileSync(this.log, "utf8");
    } catch (e) {
      return "";
    }
  }

  alive() {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  // The API's answer to compare the page with: {status, json}.
  async api(method, target, body, role = "employer-service") {
    const headers = { Authorization: "Bearer " + this.tokens[role] };
    let data = null;
    if (body !== undefined) {
      data = JSON.stringify(body);
      headers["Content-Type"] = "application/json";
    }
    return rawRequest(this.port, method, target, headers, data);
  }

  stop() {
    if (this.alive()) this.proc.kill("SIGTERM");
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}
