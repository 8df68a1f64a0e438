RSpec.describe "stock check" do
  it "opens a connection to the warehouse" do
    expect(Shop::Connections.open("stock check")).to eq("stock check")
  end
end

RSpec.describe "inventory export" do
  it "writes CSV" do
    expect(export_inventory(:csv, %w[apple pear])).to eq("apple,pear")
  end
end

RSpec.describe "inventory counting" do
  it "counts pears" do
    expect(%w[pear pear apple].count("pear")).to eq(2)
  end
end
