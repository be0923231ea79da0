"""Tiny Stable Diffusion 2.x and SDXL pipelines, laid out as their Hub repos are.

SD 1.x is the demo's tiny model (`powerhungry.models.tiny`). SD 2.x (stabilityai's 2.x repos):
OpenCLIP's text encoder as a CLIPTextModel with GELU, a UNet with linear projections, a
v-prediction scheduler, and no safety checker (`safety_checker: [null, null]`). SDXL
(stable-diffusion-xl-base-1.0): two text encoders and tokenizers, the second with a projection,
and a UNet conditioned on their pooled output and the image sizes ("text_time"); sizes follow
diffusers' own tiny test pipelines. Tokenizers are the shipped CLIP BPE (resources/architectures),
saved by transformers 5 (tokenizer.json, where the real repos have vocab.json and merges.txt).
"""

from __future__ import annotations

from pathlib import Path

import torch

from powerhungry.models.tiny import ARCHITECTURES

CLIP_TOKENIZER = ARCHITECTURES / "tokenizers" / "clip"
PIPELINES = ("sd2", "sdxl")


def clip_text(projection: bool) -> object:
    """A CLIP text encoder of the shipped vocabulary (49,408), hidden size 32, two layers."""
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    config = CLIPTextConfig(
        vocab_size=49408,
        hidden_size=32,
        intermediate_size=37,
        num_hidden_layers=2,
        num_attention_heads=4,
        max_position_embeddings=77,
        hidden_act="gelu",
        projection_dim=32,
        bos_token_id=49406,
        eos_token_id=49407,
        pad_token_id=49407,
    )
    return (CLIPTextModelWithProjection if projection else CLIPTextModel)(config)


def tiny_diffusion(folder: Path, kind: str) -> dict[str, bytes | Path]:
    """A tiny pipeline of `kind` (PIPELINES) saved into `folder`, as {path in repo: file}."""
    from diffusers import (
        AutoencoderKL,
        DDIMScheduler,
        EulerDiscreteScheduler,
        StableDiffusionPipeline,
        StableDiffusionXLPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTokenizer

    torch.manual_seed(0)
    tokenizer = CLIPTokenizer.from_pretrained(CLIP_TOKENIZER)
    vae = AutoencoderKL(
        block_out_channels=[32, 64],
        down_block_types=["DownEncoderBlock2D"] * 2,
        up_block_types=["UpDecoderBlock2D"] * 2,
        latent_channels=4,
        norm_num_groups=32,
    )
    unet_sizes = {
        "block_out_channels": (32, 64),
        "layers_per_block": 1,
        "down_block_types": ("DownBlock2D", "CrossAttnDownBlock2D"),
        "up_block_types": ("CrossAttnUpBlock2D", "UpBlock2D"),
        "attention_head_dim": (2, 4),
        "use_linear_projection": True,
        "norm_num_groups": 32,
        # The pipelines' default image size is the UNet's sample size times the VAE's scale
        # (the real repos: 96 for SD 2.1 768, 128 for SDXL): 16 latent pixels, 32-pixel images.
        "sample_size": 16,
    }
    if kind == "sd2":
        pipeline = StableDiffusionPipeline(
            vae=vae,
            text_encoder=clip_text(projection=False),
            tokenizer=tokenizer,
            unet=UNet2DConditionModel(cross_attention_dim=32, **unet_sizes),
            scheduler=DDIMScheduler(
                prediction_type="v_prediction", steps_offset=1, clip_sample=False
            ),
            safety_checker=None,
            feature_extractor=None,
            requires_safety_checker=False,
        )
    else:
        unet = UNet2DConditionModel(
            cross_attention_dim=64,  # both encoders' hidden states, concatenated
            addition_embed_type="text_time",
            addition_time_embed_dim=8,
            projection_class_embeddings_input_dim=6 * 8 + 32,  # six sizes, pooled text
            transformer_layers_per_block=(1, 2),
            **unet_sizes,
        )
        pipeline = StableDiffusionXLPipeline(
            vae=vae,
            text_encoder=clip_text(projection=False),
            text_encoder_2=clip_text(projection=True),
            tokenizer=tokenizer,
            tokenizer_2=tokenizer,
            unet=unet,
            scheduler=EulerDiscreteScheduler(steps_offset=1, timestep_spacing="leading"),
        )
    pipeline.save_pretrained(folder)
    return {
        path.relative_to(folder).as_posix(): path for path in folder.rglob("*") if path.is_file()
    }
