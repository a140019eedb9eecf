"""What the screens can do. Each public function is one local transaction; none needs the network."""
