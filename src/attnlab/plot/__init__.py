"""Static figures (matplotlib): each function returns a Figure and never calls plt.show()."""
