"""Territory: communes, intercommunalities, cantons, syndicates and the sectors of the 5 main towns."""
