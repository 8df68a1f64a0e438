# A tiny shop whose settings, connections, prices and exporters live in process-wide state, as
# a real application's class-level settings, class variables, constants and globals would.
# Every example of the suite runs in one Ruby process, so whatever an example leaves here is
# seen by the examples after it.
module Shop
  class Settings
    class << self
      attr_accessor :currency
    end
    self.currency = "USD"
  end

  # Connections are checked out of a pool of two and should be given back.
  class Connections
    POOL_SIZE = 2
    @@open = []

    def self.open(owner)
      raise "connection pool exhausted (#{@@open.join(', ')} still open)" if @@open.size >= POOL_SIZE

      @@open << owner
      owner
    end

    def self.close(owner)
      @@open.delete(owner)
    end
  end

  # Looked up before the price list, and never expired.
  PRICE_CACHE = {}
  PRICE_LIST = { apple: 3, pear: 4 }.freeze

  def self.price(item)
    PRICE_CACHE.fetch(item) { PRICE_LIST.fetch(item) }
  end

  class Cart
    def initialize(items)
      @items = items
    end

    def total_label
      symbol = Settings.currency == "USD" ? "$" : "#{Settings.currency} "
      format("%s%.2f", symbol, @items.sum { |item| Shop.price(item) })
    end

    def checkout
      connection = Connections.open("checkout")
      "paid #{total_label}"
    ensure
      Connections.close(connection) if connection
    end
  end
end

# Exporters registered by plugins, by format.
$exporters = {}

def export_inventory(format, items)
  exporter = $exporters.fetch(format) { raise KeyError, "no exporter registered for #{format}" }
  exporter.call(items)
end

$banner = "Welcome"
