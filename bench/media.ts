/**
 * `npm run bench:media`: Podium's media metrics against the reference tools, side by side in
 * one run. First object detection, `podium score --format coco` against pycocotools on 5,000
 * images (bench/media/detection.ts); then BLEU and chrF, `podium score` against sacrebleu on
 * 100,000 sentence pairs (bench/media/text.ts). Each part prints its own figures and the
 * comparison with its target; without PYCOCOTOOLS or SACREBLEU a part times Podium alone.
 *
 *     PYCOCOTOOLS=DIR SACREBLEU=DIR npm run bench:media [-- --runs=N --resamples=N]
 *
 * PYCOCOTOOLS: cocodataset/cocoapi's PythonAPI folder, built in place
 * (`cython3 -3 pycocotools/_mask.pyx && python3 setup.py build_ext --inplace`).
 * SACREBLEU: a checkout of mjpost/sacrebleu (nothing to build).
 */
import { run as detection } from './media/detection.js';
import { run as text } from './media/text.js';

console.log('== object detection: podium score --format coco vs pycocotools COCOeval');
await detection();
console.log('\n== BLEU and chrF: podium score vs sacrebleu');
await text();
