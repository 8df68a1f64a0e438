module example.com/bleedsuite

go 1.19
