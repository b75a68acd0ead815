/**
 * Accounts as the container runtime sees them: `/etc/passwd` and `/etc/group` parsed, and a Docker `User` value
 * resolved to uid:gid with the rules of runc's `user.GetExecUser` (the code Docker runs at container start), so the
 * answer is the one the container really gets, not a reading of the Dockerfile text.
 */

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
  /** 1-based line in /etc/passwd. */
  line: number;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
  /** 1-based line in /etc/group. */
  line: number;
}

export interface ResolvedUser {
  uid: number;
  gid: number;
  /** The passwd account the user matched, when it matched one. */
  name?: string;
  home?: string;
  /** Supplementary groups (only in the implicit-group form, as runc computes them). */
  supplementaryGids: number[];
}

export type UserResolution = ({ ok: true } & ResolvedUser) | { ok: false; error: string };

const MIN_ID = 0;
const MAX_ID = 2 ** 31 - 1; // runc's limit, kept for 32-bit compatibility

/** Go's strconv.Atoi: optional sign, decimal digits only. `undefined` when Go would return an error. */
function atoi(text: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const value = Number(text);
  // Beyond int64 Atoi fails; beyond 2^53 we cannot be exact, and such ids are out of range anyway.
  if (!Number.isSafeInteger(value)) return text.startsWith('-') ? -Infinity : Infinity;
  return value;
}

/** runc parses numeric fields with conversion errors ignored: a malformed id reads as 0. */
function lenientInt(text: string | undefined): number {
  const value = atoi(text ?? '');
  return value === undefined || !Number.isFinite(value) ? 0 : value;
}

/** Lines as runc reads them: trimmed, blank lines skipped (passwd does not treat `#` as a comment; group does). */
function lines(text: string, comments: boolean): Array<{ fields: string[]; line: number }> {
  const out: Array<{ fields: string[]; line: number }> = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || (comments && line.startsWith('#'))) return;
    out.push({ fields: line.split(':'), line: index + 1 });
  });
  return out;
}

export function parsePasswd(text: string): PasswdEntry[] {
  return lines(text, false).map(({ fields, line }) => ({
    name: fields[0] ?? '',
    uid: lenientInt(fields[2]),
    gid: lenientInt(fields[3]),
    home: fields[5] ?? '',
    shell: fields[6] ?? '',
    line,
  }));
}

export function parseGroup(text: string): GroupEntry[] {
  return lines(text, true).map(({ fields, line }) => {
    const list = fields[3] ?? '';
    return { name: fields[0] ?? '', gid: lenientInt(fields[2]), members: list === '' ? [] : list.split(','), line };
  });
}

function inRange(id: number): boolean {
  return id >= MIN_ID && id <= MAX_ID;
}

/**
 * Resolves a Docker `User` (`''`, `name`, `uid`, `name:group`, `uid:gid`, `name:gid`, `uid:group`) against the
 * image's own account files, which may be missing (`undefined`: an image with no /etc/passwd).
 * Numeric parts are always ids, never names; a numeric uid with no passwd entry is valid (gid 0 unless given);
 * a name that is not in passwd, or a group name not in group, is an error.
 */
export function resolveUser(
  spec: string,
  passwdText: string | undefined,
  groupText: string | undefined,
): UserResolution {
  const parts = spec.split(':');
  const userArg = parts[0] ?? '';
  const groupArg = parts[1] ?? '';
  const uidArg = atoi(userArg);
  const gidArg = atoi(groupArg);

  let uid = 0;
  let gid = 0;
  let home: string | undefined;
  let name: string | undefined;

  const passwd = passwdText === undefined ? [] : parsePasswd(passwdText);
  const match = passwd.find((u) => {
    if (userArg === '') return u.uid === 0;
    if (uidArg !== undefined) return u.uid === uidArg;
    return u.name === userArg;
  });
  if (match) {
    // First match wins, even if there is more than one.
    name = match.name;
    uid = match.uid;
    gid = match.gid;
    home = match.home;
  } else if (userArg !== '') {
    if (uidArg === undefined) {
      return {
        ok: false,
        error:
          passwdText === undefined
            ? `unable to find user ${userArg}: the image has no /etc/passwd`
            : `unable to find user ${userArg}: no matching entries in /etc/passwd`,
      };
    }
    if (!inRange(uidArg)) return { ok: false, error: `uid ${userArg} is out of range ${MIN_ID}-${MAX_ID}` };
    uid = uidArg;
  }

  let supplementaryGids: number[] = [];
  if (groupArg !== '' || name !== undefined) {
    const groups = (groupText === undefined ? [] : parseGroup(groupText)).filter((g) => {
      if (groupArg === '') return g.members.includes(name ?? '');
      if (gidArg !== undefined) return g.gid === gidArg;
      return g.name === groupArg;
    });
    if (groupArg !== '') {
      const first = groups[0];
      if (first) {
        gid = first.gid;
      } else {
        if (gidArg === undefined) {
          return {
            ok: false,
            error:
              groupText === undefined
                ? `unable to find group ${groupArg}: the image has no /etc/group`
                : `unable to find group ${groupArg}: no matching entries in /etc/group`,
          };
        }
        if (!inRange(gidArg)) return { ok: false, error: `gid ${groupArg} is out of range ${MIN_ID}-${MAX_ID}` };
        gid = gidArg;
      }
    } else {
      supplementaryGids = groups.map((g) => g.gid);
    }
  }

  const resolved: { ok: true } & ResolvedUser = { ok: true, uid, gid, supplementaryGids };
  if (name !== undefined) resolved.name = name;
  if (home !== undefined) resolved.home = home;
  return resolved;
}
