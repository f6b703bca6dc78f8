"""Specifications: the models a bid file is made of."""
