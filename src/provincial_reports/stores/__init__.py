"""Where the pipeline keeps things: the landing zone and the lake as stores (`objects`, `local`,
`s3`), the landing entries that are not plain files (`entries`), the warehouse, and secrets."""
