"""gip_pipeline: open-data pipeline for China's government information publicity annual reports."""

__version__ = "0.1.0"
