/** Host addresses as the `ssh-host` and `ssh-jump-host` inputs give them: `host`, `host:port`, `[v6]:port`. */
import { DeployInputError } from './input-error.js';

export interface HostAddress {
  host: string;
  port: number;
}

export interface JumpHost extends HostAddress {
  user: string;
}

const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const IPV6 = /^[0-9A-Fa-f:.]+(?:%[A-Za-z0-9._-]+)?$/;

/** A multi-line input's entries: trimmed, blank lines and `#` comments dropped. */
export function inputLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

export function parsePort(text: string, input: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new DeployInputError(`${input}: port "${text}" is not a number from 1 to 65535`);
  }
  return Number(text);
}

function checkHost(host: string, input: string, raw: string): string {
  if (HOST_NAME.test(host) || (host.includes(':') && IPV6.test(host))) return host;
  throw new DeployInputError(`${input}: "${raw}" is not a host name or IP address`);
}

/** `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address. */
export function parseHostAddress(raw: string, defaultPort: number, input = 'ssh-host'): HostAddress {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(raw);
  if (bracket) {
    return { host: checkHost(bracket[1]!, input, raw), port: bracket[2] ? parsePort(bracket[2], input) : defaultPort };
  }
  if (raw.includes('@')) {
    throw new DeployInputError(`${input}: "${raw}" contains a user; set the user with ssh-user`);
  }
  const colons = raw.split(':').length - 1;
  if (colons === 1) {
    const [host, port] = raw.split(':') as [string, string];
    return { host: checkHost(host, input, raw), port: parsePort(port, input) };
  }
  return { host: checkHost(raw, input, raw), port: defaultPort };
}

export function parseHosts(text: string, defaultPort: number): HostAddress[] {
  const hosts = inputLines(text).map((l) => parseHostAddress(l, defaultPort));
  if (hosts.length === 0)
    throw new DeployInputError('ssh-host: give at least one host (`host` or `host:port`, one per line)');
  const seen = new Set<string>();
  for (const h of hosts) {
    const key = `${h.host}:${h.port}`;
    if (seen.has(key)) throw new DeployInputError(`ssh-host: ${formatHost(h)} is listed twice`);
    seen.add(key);
  }
  return hosts;
}

export function formatHost(h: HostAddress): string {
  const host = h.host.includes(':') ? `[${h.host}]` : h.host;
  return `${host}:${h.port}`;
}
