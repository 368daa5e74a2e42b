// tfjs_reference.mjs NODE_MODULES_DIR SPEC.json OUT.json: runs a Keras 2 model
// config with tfjs-layers (Google's JavaScript port of the Keras layers, CPU
// backend): builds it from the config (tf.models.modelFromJSON), sets the
// weights in Keras's order, predicts, and writes the outputs
// [{shape, values}] in the model's output order (tfjs_cases.py).
import { createRequire } from 'module';
import fs from 'fs';
import path from 'path';
const require = createRequire(path.resolve(process.argv[2]) + '/');
const tf = require('@tensorflow/tfjs');
const spec = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const model = await tf.models.modelFromJSON({modelTopology: spec.model_config});
model.setWeights(spec.weights.map(w => tf.tensor(w.values, w.shape, 'float32')));
const inputs = spec.inputs.map(i => tf.tensor(i.values, i.shape, i.dtype));
let outputs = model.predict(inputs.length === 1 ? inputs[0] : inputs);
if (!Array.isArray(outputs)) outputs = [outputs];
const result = outputs.map(o => ({shape: o.shape, values: Array.from(o.dataSync())}));
fs.writeFileSync(process.argv[4], JSON.stringify(result));
