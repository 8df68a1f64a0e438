// A polluter with a hostile name, in a describe block full of regex metacharacters: its id
// must reach Jest as data, never as shell code or as a pattern.
const labels = require('../src/labels');

describe('banner (v2.*) [beta] | labels', () => {
  test("it's \"quoted\" $(touch bleed-pwned)", () => {
    labels.setBanner('Sale!');
  });

  test('defaults to "Welcome"', () => {
    expect(labels.banner()).toBe('Welcome');
  });

  test('shouts a label', () => {
    expect(labels.shout(' open ')).toBe('OPEN!');
  });
});
