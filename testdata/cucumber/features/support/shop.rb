# The shop's process-wide state, as a real application's singletons, caches and registries
# would hold it. It outlives a scenario, which is how one scenario can leave state behind for
# another. Each planted case (see ../../PLANTED.md) owns its own piece, so the cases cannot
# interact.
module Shop
  CATALOGUE_PRICES = { 'apple' => 3, 'pear' => 2 }.freeze
  POOL_SIZE = 2
  CURRENCY_SYMBOLS = { 'USD' => '$', 'EUR' => '€' }.freeze

  class << self
    # Case 1: the display currency.
    attr_accessor :currency
    # Case 2: database connections opened and not yet closed; the pool holds POOL_SIZE.
    attr_accessor :open_connections
    # Case 3: prices cached by a read-through cache, which wins over the catalogue.
    attr_reader :price_cache
    # Case 4: exporters registered by plugins, by format name.
    attr_reader :exporters
    # Case 5: the storefront banner.
    attr_accessor :banner

    def reset
      @currency = 'USD'
      @open_connections = 0
      @price_cache = {}
      @exporters = []
      @banner = 'Welcome'
    end

    def price_of(fruit)
      price_cache.fetch(fruit) { CATALOGUE_PRICES.fetch(fruit) }
    end

    def open_connection
      if open_connections >= POOL_SIZE
        raise "connection pool exhausted: #{open_connections} of #{POOL_SIZE} connections in use"
      end
      self.open_connections += 1
    end

    def close_connection
      self.open_connections -= 1
    end

    def format_cents(cents)
      format('%s%d.%02d', CURRENCY_SYMBOLS.fetch(currency), cents / 100, cents % 100)
    end
  end

  reset
end
