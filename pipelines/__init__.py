"""Item pipelines: clean (extract and clean the text), classify, store. Data flows one way."""
