RSpec.describe "plugin reload" do
  it "clears the price cache" do
    Shop::PRICE_CACHE.clear
    expect(Shop::PRICE_CACHE).to be_empty
  end
end

RSpec.describe "CSV plugin" do
  it "registers its exporter" do
    $exporters[:csv] = ->(items) { items.join(",") }
    expect($exporters).to include(:csv)
  end
end

RSpec.describe "plugin names" do
  it "are lowercase" do
    expect("csv").to eq("csv".downcase)
  end
end
