// npm.mjs - what the package tests share: running a command (npm's
// notices off), packing the package and installing the tarball offline
// into a fresh app folder, as a user would.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { root } from './hosts.mjs';

const env = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

// Runs cmd; fails the test with its output unless it exits 0. Returns stdout.
export function sh(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, timeout: 120_000, ...options });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

// `npm pack` of the repository (or of the package folder `from`) into dir:
// npm's description of the tarball (name, version, filename, files, size)
// and its path.
export function pack(dir, from = root) {
  const [info] = JSON.parse(sh('npm', ['pack', from, '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root }));
  return { info, tarball: path.join(dir, info.filename) };
}

// A new ESM app in dir with the tarball installed (offline: it has no
// dependencies to fetch).
export function installApp(dir, tarball) {
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  sh('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir });
}
