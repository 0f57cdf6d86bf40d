// Prints the versions of the npm clients the conformance suite drives, as one JSON object.
const path = require('path');

const modules = path.join(__dirname, '../../tests/integration/js/node_modules');
const versions = {};
for (const name of ['dcmjs-dimse', 'dicomweb-client', 'tus-js-client']) {
  try {
    versions[name] = require(path.join(modules, name, 'package.json')).version;
  } catch (e) {
    versions[name] = 'not installed';
  }
}
console.log(JSON.stringify(versions));
