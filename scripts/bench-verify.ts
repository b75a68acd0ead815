/**
 * The verify step as the benchmark times it: read an image's `docker save` stream (from the engine, as the action does,
 * or from stdin when no image is named), find build tools in the final
 * filesystem (bin directories and every PATH directory, through symlinks), resolve the runtime user through the image's own account files, map layers to history.
 * Prints one JSON line with what it found, its own time and its peak RSS.
 */
import { resolveUser } from '../src/check/image/accounts.js';
import { buildToolMatcher } from '../src/check/image/build-tools.js';
import { layerHistory } from '../src/check/image/layer-provenance.js';
import { runtimeBuildTools } from '../src/check/image/runtime-tools.js';
import { readSavedImage } from '../src/check/image/saved-image.js';
import { openSaveStream } from '../src/check/image/save-stream.js';

const started = performance.now();
const matcher = buildToolMatcher({});
const save = process.argv[2] ? await openSaveStream(process.argv[2]) : undefined;
const [image] = await Promise.all([
  readSavedImage(save?.stream ?? process.stdin, {
    isInteresting: (path) => matcher.isInteresting(path),
    wantContents: ['etc/passwd', 'etc/group'],
  }),
  save?.done,
]);
const tools = runtimeBuildTools(image, matcher);
const removed = image.removedFiles.filter((f) => matcher.toolName(f.path) !== undefined);
const user = resolveUser(
  image.config.config?.User ?? '',
  image.contents.get('etc/passwd')?.data.toString('utf8'),
  image.contents.get('etc/group')?.data.toString('utf8'),
);
const history = layerHistory(image.config);

process.stdout.write(
  `${JSON.stringify({
    layers: image.layers.length,
    layerBytes: image.layers.reduce((n, l) => n + l.tarSize, 0),
    entries: image.layers.reduce((n, l) => n + l.entryCount, 0),
    tools: tools.map((t) => `${t.path}@${t.layerIndex}`),
    removed: removed.map((r) => `${r.path}@${r.layerIndex}-${r.removedInLayer}:${r.wastedBytes}`),
    user: user.ok ? `${user.uid}:${user.gid}` : user.error,
    historyMapped: history.length,
    readerMs: Math.round(performance.now() - started),
    maxRssKiB: process.resourceUsage().maxRSS,
  })}\n`,
);
