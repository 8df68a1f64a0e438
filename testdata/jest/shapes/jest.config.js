// Pins Jest's rootDir to this directory: test ids are paths relative to it.
module.exports = {
  testEnvironment: 'node',
};
