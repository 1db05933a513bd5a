"""`forum classifier ...`: fetch Detoxify's weights once, so the forum can classify offline."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def classifier() -> None:
    """The toxicity classifier (Detoxify, or the basic fallback)."""


@classifier.command("download")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option("--model", "model_type", default="unbiased-small", show_default=True,
              help="Detoxify model: original, unbiased, multilingual, original-small or unbiased-small.")
def download(dest: Path, model_type: str) -> None:
    """Download MODEL's weights and tokenizer into DEST (needs internet), for offline use."""
    from moderation.classifiers.download import download_detoxify

    try:
        ckpt, hf_dir = download_detoxify(model_type, dest)
    except (OSError, ValueError, KeyError) as exc:
        raise click.ClickException(f"Could not download the {model_type} model: {exc}") from exc
    click.echo(f"Saved the {model_type} model in {dest}. To use it (also on a machine without internet), set:")
    click.echo(f"  FORUM_DETOXIFY_CHECKPOINT={ckpt}")
    click.echo(f"  FORUM_DETOXIFY_HF_CONFIG={hf_dir}")


def commands() -> list[click.Command]:
    return [classifier]
