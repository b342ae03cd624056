"""Seed program 10: video question answering, reusing the VQA parts.

The guide runs the VQA vision model over every frame with TimeDistributed,
summarises the frame codes with an LSTM, encodes the question with the VQA
question encoder (a Model called like a layer) and picks an answer with a
softmax.  Shrunk as in `visual_qa` (32x32x3 frames, small filters, 10-word
questions, 10 answers), with videos of 4 frames (the guide: 100 frames of
224x224x3) and an LSTM(32) over them (LSTM(256)).  Synthetic data: every
frame of a video has the same tint, and the questions are those of
`visual_qa`.

    python -m fastgraph.examples.video_qa --epochs 3
"""
import fastgraph
from fastgraph.examples import parse_args, report
from fastgraph.examples.visual_qa import (ANSWERS, SIZE, WORDS, answers, build_model,
                                          make_questions, tinted)
from fastgraph.layers import LSTM, Dense, Input, TimeDistributed
from fastgraph.models import Model

FRAMES = 4


def build_video_model():
    """(video_qa_model compiled, vision_model): on top of the VQA model's parts."""
    _, vision_model, question_input, encoded_question = build_model()

    video_input = Input(shape=(FRAMES, SIZE, SIZE, 3))
    # This is our video encoded via the previously trained vision_model (weights are reused)
    encoded_frame_sequence = TimeDistributed(vision_model)(video_input)
    encoded_video = LSTM(32)(encoded_frame_sequence)

    # This is a model-level representation of the question encoder, reusing the same weights
    question_encoder = Model(inputs=question_input, outputs=encoded_question)

    # Let's use it to encode the question:
    video_question_input = Input(shape=(WORDS,), dtype='int32')
    encoded_video_question = question_encoder(video_question_input)

    # And this is our video question answering model:
    merged = fastgraph.layers.concatenate([encoded_video, encoded_video_question])
    output = Dense(ANSWERS, activation='softmax')(merged)
    video_qa_model = Model(inputs=[video_input, video_question_input], outputs=output)
    video_qa_model.compile(optimizer='adam', loss='categorical_crossentropy',
                           metrics=['accuracy'])
    return video_qa_model, vision_model


def main(argv=None):
    """Train the video QA model on synthetic tinted videos and questions."""
    args, rng = parse_args(argv, __file__, __doc__, epochs=2, batch_size=16)
    model, _ = build_video_model()
    n = 48
    tints = rng.integers(0, 3, n)
    videos = tinted(rng, tints, (n, FRAMES, SIZE, SIZE, 3))
    questions, kinds = make_questions(rng, n)
    history = model.fit([videos, questions], answers(tints, kinds), epochs=args.epochs,
                        batch_size=args.batch_size, verbose=args.verbose)
    report("video QA", params=model.count_params(), output_shape=model.output_shape,
           first_loss=history.history['loss'][0], last_loss=history.history['loss'][-1])
    return {"model": model, "history": history}


if __name__ == "__main__":
    main()
