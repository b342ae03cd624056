"""Seed program 9: visual question answering.

The guide encodes an image with a Sequential vision model (three blocks of
3x3 convolutions and 2x2 max pooling, then Flatten), a question with an
Embedding and an LSTM, concatenates the two codes and picks one of the
answers with a softmax.  Shrunk: 32x32x3 images (the guide: 224x224x3, 32
is the smallest size its layers accept), 8/16/32 filters (64/128/256),
questions of 10 words from a 100-word vocabulary embedded in 16 dimensions
with an LSTM(32) (100 words, 10,000, 256, LSTM(256)), and 10 answers
(1,000).  Synthetic data: an image is tinted red, green or blue, and the
question's last word asks about the tint or about the tint of the
"opposite" channel, so the answer depends on both inputs.

    python -m fastgraph.examples.visual_qa --epochs 5
"""
import numpy as np

import fastgraph
from fastgraph.examples import parse_args, report
from fastgraph.layers import LSTM, Conv2D, Dense, Embedding, Flatten, Input, MaxPooling2D
from fastgraph.models import Model, Sequential

SIZE, WORDS, VOCABULARY, ANSWERS = 32, 10, 100, 10


def build_vision_model(size=SIZE, filters=(8, 16, 32)):
    """The guide's Sequential vision model (shrunk sizes): image -> vector."""
    f1, f2, f3 = filters
    vision_model = Sequential()
    vision_model.add(Conv2D(f1, (3, 3), activation='relu', padding='same',
                            input_shape=(size, size, 3)))
    vision_model.add(Conv2D(f1, (3, 3), activation='relu'))
    vision_model.add(MaxPooling2D((2, 2)))
    vision_model.add(Conv2D(f2, (3, 3), activation='relu', padding='same'))
    vision_model.add(Conv2D(f2, (3, 3), activation='relu'))
    vision_model.add(MaxPooling2D((2, 2)))
    vision_model.add(Conv2D(f3, (3, 3), activation='relu', padding='same'))
    vision_model.add(Conv2D(f3, (3, 3), activation='relu'))
    vision_model.add(Conv2D(f3, (3, 3), activation='relu'))
    vision_model.add(MaxPooling2D((2, 2)))
    vision_model.add(Flatten())
    return vision_model


def build_question_encoder():
    """(question_input, encoded_question): int32 words -> Embedding -> LSTM(32)."""
    question_input = Input(shape=(WORDS,), dtype='int32')
    embedded_question = Embedding(input_dim=VOCABULARY, output_dim=16,
                                  input_length=WORDS)(question_input)
    encoded_question = LSTM(32)(embedded_question)
    return question_input, encoded_question


def build_model():
    """(vqa_model compiled, vision_model, question_input, encoded_question)."""
    vision_model = build_vision_model()
    image_input = Input(shape=(SIZE, SIZE, 3))
    encoded_image = vision_model(image_input)
    question_input, encoded_question = build_question_encoder()
    merged = fastgraph.layers.concatenate([encoded_question, encoded_image])
    output = Dense(ANSWERS, activation='softmax')(merged)
    vqa_model = Model(inputs=[image_input, question_input], outputs=output)
    vqa_model.compile(optimizer='adam', loss='categorical_crossentropy',
                      metrics=['accuracy'])
    return vqa_model, vision_model, question_input, encoded_question


def make_questions(rng, n):
    """(questions int32 (n, WORDS), kinds (n,) 0 or 1): the last word is the kind."""
    questions = rng.integers(2, VOCABULARY, (n, WORDS)).astype(np.int32)
    kinds = rng.integers(0, 2, n)
    questions[:, -1] = kinds
    return questions, kinds


def tinted(rng, tints, shape):
    """float32 images of `shape` (ending in 3 channels), channel `tint` raised."""
    images = 0.3 * rng.random(shape, dtype=np.float32)
    images += 0.7 * np.eye(3, dtype=np.float32)[tints].reshape(
        (len(tints),) + (1,) * (len(shape) - 2) + (3,))
    return images


def answers(tints, kinds):
    """One-hot answers: the tint for kind 0, the next channel's index + 3 for kind 1."""
    labels = np.where(kinds == 0, tints, 3 + (tints + 1) % 3)
    return np.eye(ANSWERS, dtype=np.float32)[labels]


def main(argv=None):
    """Train the VQA model on synthetic tinted images and questions."""
    args, rng = parse_args(argv, __file__, __doc__, epochs=3)
    vqa_model, vision_model, _, _ = build_model()
    n = 128
    tints = rng.integers(0, 3, n)
    images = tinted(rng, tints, (n, SIZE, SIZE, 3))
    questions, kinds = make_questions(rng, n)
    targets = answers(tints, kinds)
    history = vqa_model.fit([images, questions], targets, epochs=args.epochs,
                            batch_size=args.batch_size, verbose=args.verbose)
    print("vision model output shape:", vision_model.output_shape)
    report("visual QA", params=vqa_model.count_params(),
           first_loss=history.history['loss'][0], last_loss=history.history['loss'][-1])
    return {"model": vqa_model, "vision_model": vision_model, "history": history}


if __name__ == "__main__":
    main()
