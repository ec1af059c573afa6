"""Quán triệt: carry party resolutions from the conference to every cell and member."""
