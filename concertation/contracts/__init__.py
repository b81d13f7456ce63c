"""Contrats territoriaux: contracts, project sheets, avenants, reserve fund, financial plan, history."""
