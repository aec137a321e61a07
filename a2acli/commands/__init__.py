"""One thin module per command group: parse options, call one domain function, hand the result to a writer."""
