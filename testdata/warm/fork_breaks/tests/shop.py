currency = "USD"
