"""What a learner does: keep credentials in the backpack, receive them, present them."""
