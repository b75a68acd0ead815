/** Paths inside an image as the reader keys them: relative to `/`, no leading `/` or `./`, no trailing `/`. */

/** No leading `/` or `./`, no trailing `/`, no `.` or empty segments; `..` never climbs above the root. */
export function normalisePath(name: string): string {
  let p = name;
  if (p.startsWith('./') || p.startsWith('/')) p = p.replace(/^(?:\.?\/)+/, '');
  if (p.endsWith('/')) p = p.replace(/\/+$/, '');
  if (p === '.') return '';
  if (p.includes('//') || p.includes('/./') || p.endsWith('/.') || p.includes('..')) {
    const out: string[] = [];
    for (const seg of p.split('/')) {
      if (seg === '' || seg === '.') continue;
      if (seg === '..') out.pop();
      else out.push(seg);
    }
    p = out.join('/');
  }
  return p;
}

export function dirname(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function join(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}
