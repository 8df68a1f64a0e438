// Formats amounts in the display currency, which is process-wide state.
const symbols = { USD: '$', EUR: '€' };
let currency = 'USD';

module.exports = {
  setCurrency(code) {
    currency = code;
  },
  format(amount) {
    return `${symbols[currency]}${amount.toFixed(2)}`;
  },
  add(a, b) {
    return a + b;
  },
  cents(amount) {
    return Math.round(amount * 100);
  },
};
