# NeMo 2.0.0 (container 24.09) fine-tuning launcher for the run sophia-lora-dev,
# rendered by sophia-eval nemo render. Do not edit: re-render.
# Stage the data first (sophia-eval nemo stage): it writes training.jsonl and validation.jsonl
# into DATASET_ROOT with the keys input and output.
import nemo_run as run
from nemo.collections import llm
from nemo.collections.llm.recipes import llama3_8b as recipe_module
from nemo.collections.llm.recipes.precision.mixed_precision import bf16_mixed

DATASET_ROOT = "testdata/results/sophia-lora/sophia-lora-dev/dataset"


def main():
    recipe = recipe_module.finetune_recipe(
        dir="testdata/results/sophia-lora",
        name="sophia-lora-dev",
        num_nodes=1,
        num_gpus_per_node=8,
        peft_scheme="lora",
    )
    # The recipe's data module is SQuAD: train on the staged data instead.
    recipe.data = run.Config(
        llm.FineTuningDataModule,
        dataset_root=DATASET_ROOT,
        seq_length=2048,
        micro_batch_size=4,
        global_batch_size=32,
        seed=1234,
    )
    recipe.trainer.max_steps = 1000
    recipe.trainer.val_check_interval = 100
    recipe.trainer.strategy.tensor_model_parallel_size = 1
    recipe.trainer.strategy.pipeline_model_parallel_size = 1
    recipe.trainer.plugins = bf16_mixed()
    recipe.peft.dim = 16
    recipe.peft.alpha = 32
    recipe.peft.dropout = 0.05
    recipe.peft.target_modules = ["linear_qkv","linear_proj"]
    recipe.optim.config.lr = 0.0001
    recipe.optim.lr_scheduler.warmup_steps = 50
    recipe.optim.lr_scheduler.min_lr = 0.0
    recipe.log.ckpt.save_top_k = 3
    recipe.log.ckpt.every_n_train_steps = 100
    recipe.resume.restore_config.path = "testdata/models/sophia-mini.nemo"
    run.run(recipe, direct=True)


if __name__ == "__main__":
    main()
