"""Rankings and live metrics in Redis: applying interaction batches, reading them back, recomputing them."""
