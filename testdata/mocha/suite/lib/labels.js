// Shop labels; the banner text is process-wide state.
let banner = 'Welcome';

module.exports = {
  setBanner(text) {
    banner = text;
  },
  banner() {
    return banner;
  },
  shout(text) {
    return `${text.trim().toUpperCase()}!`;
  },
};
